using Toolchain.TestSupport;
using Toolchain.Training.Data;

namespace Toolchain.Training.Tests.Data;

public class CifarReaderTests
{
    [Fact]
    public void ReadCifar10_TrainBatches_ConcatenatesInBatchOrderWithExactPixels()
    {
        using var dir = new TempDirectory();
        // Written out of order, and batch 10 must come after batch 2 (numeric, not string, order).
        CifarFiles.WriteCifar10(dir.File("data_batch_10.bin"), [9], firstRecord: 5);
        CifarFiles.WriteCifar10(dir.File("data_batch_1.bin"), [3, 0, 9], firstRecord: 0);
        CifarFiles.WriteCifar10(dir.File("data_batch_2.bin"), [1, 2], firstRecord: 3);
        CifarFiles.WriteCifar10(dir.File("test_batch.bin"), [4]);

        var train = CifarReader.ReadCifar10(dir.Path, DatasetSplit.Train);

        Assert.Equal(6, train.Count);
        Assert.Equal(10, train.NumClasses);
        Assert.Equal(new ImageShape(3, 32, 32), train.Shape);
        Assert.Equal([3, 0, 9, 1, 2, 9], train.Labels.ToArray());
        Assert.Equal("airplane", train.ClassNames[0]);
        for (var record = 0; record < train.Count; record++)
        {
            // A known pixel's R, G and B values land at [c, y, x].
            foreach (var (y, x) in new[] { (0, 0), (5, 17), (31, 31), (12, 3) })
            for (var c = 0; c < 3; c++)
                Assert.Equal(CifarFiles.PixelValue(record, c, y, x), train.Pixel(record, c, y, x));
        }

        Assert.Equal(CifarFiles.Image(4), train.Image(4).ToArray());
    }

    [Fact]
    public void ReadCifar10_TestSplitInExtractedSubfolderWithMeta_ReadsTestBatchAndClassNames()
    {
        using var dir = new TempDirectory();
        var sub = Directory.CreateDirectory(Path.Combine(dir.Path, CifarReader.Cifar10Folder)).FullName;
        CifarFiles.WriteCifar10(Path.Combine(sub, "test_batch.bin"), [7, 8]);
        CifarFiles.WriteCifar10(Path.Combine(sub, "data_batch_1.bin"), [1]);
        File.WriteAllLines(Path.Combine(sub, "batches.meta.txt"), ["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "", ""]);

        var test = CifarReader.Read(dir.Path, DatasetSplit.Test);

        Assert.Equal("cifar10-test", test.Name);
        Assert.Equal([7, 8], test.Labels.ToArray());
        Assert.Equal("a7", test.ClassNames[test.Label(0)]);
        Assert.Equal(CifarFiles.PixelValue(1, 2, 30, 1), test.Pixel(1, 2, 30, 1));
    }

    [Fact]
    public void ReadCifar100_FineLabels_UsesSecondLabelByteAndPixelsAfterIt()
    {
        using var dir = new TempDirectory();
        CifarFiles.WriteCifar100(dir.File("train.bin"), [(19, 99), (0, 42), (5, 0)]);
        CifarFiles.WriteCifar100(dir.File("test.bin"), [(3, 57)]);

        var train = CifarReader.Read(dir.Path, DatasetSplit.Train);
        var test = CifarReader.ReadCifar100(dir.Path, DatasetSplit.Test);

        Assert.Equal(100, train.NumClasses);
        Assert.Equal([99, 42, 0], train.Labels.ToArray());
        Assert.Equal([57], test.Labels.ToArray());
        Assert.Equal(CifarFiles.PixelValue(2, 0, 0, 0), train.Pixel(2, 0, 0, 0));
        Assert.Equal(CifarFiles.PixelValue(1, 1, 16, 8), train.Pixel(1, 1, 16, 8));
        Assert.Equal(CifarFiles.Image(0), test.Image(0).ToArray());
    }

    [Fact]
    public void ReadCifar10_TruncatedFile_NamesFileAndRecordSize()
    {
        using var dir = new TempDirectory();
        var path = dir.File("data_batch_1.bin");
        CifarFiles.WriteCifar10(path, [1, 2]);
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(3073 + 100);

        var error = Assert.Throws<InvalidDataException>(() => CifarReader.ReadCifar10(dir.Path, DatasetSplit.Train));

        Assert.Contains(path, error.Message);
        Assert.Contains("size 3173 is not a multiple of the 3073-byte record", error.Message);
    }

    [Fact]
    public void ReadCifar100_Cifar10SizedFile_RejectsWrongRecordSize()
    {
        using var dir = new TempDirectory();
        CifarFiles.WriteCifar10(dir.File("test.bin"), [1, 2, 3]);

        var error = Assert.Throws<InvalidDataException>(() => CifarReader.ReadCifar100(dir.Path, DatasetSplit.Test));

        Assert.Contains("test.bin", error.Message);
        Assert.Contains("3074-byte record", error.Message);
    }

    [Fact]
    public void ReadCifar10_LabelOutOfRange_NamesFileRecordAndLabel()
    {
        using var dir = new TempDirectory();
        CifarFiles.WriteCifar10(dir.File("test_batch.bin"), [0, 1, 12]);

        var error = Assert.Throws<InvalidDataException>(() => CifarReader.ReadCifar10(dir.Path, DatasetSplit.Test));

        Assert.Contains("test_batch.bin", error.Message);
        Assert.Contains("record 2", error.Message);
        Assert.Contains("label 12 outside 0..9", error.Message);
    }

    [Fact]
    public void ReadCifar10_EmptyFile_IsRejected()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("test_batch.bin"), []);

        var error = Assert.Throws<InvalidDataException>(() => CifarReader.ReadCifar10(dir.Path, DatasetSplit.Test));

        Assert.Contains("size 0", error.Message);
    }

    [Fact]
    public void ReadCifar10_NoTrainBatches_NamesDirectoryAndExpectedFiles()
    {
        using var dir = new TempDirectory();
        CifarFiles.WriteCifar10(dir.File("test_batch.bin"), [0]);

        var error = Assert.Throws<FileNotFoundException>(() => CifarReader.ReadCifar10(dir.Path, DatasetSplit.Train));

        Assert.Contains($"no data_batch_*.bin in {dir.Path}", error.Message);
    }

    [Fact]
    public void ReadCifar10_MissingTestBatch_NamesMissingFile()
    {
        using var dir = new TempDirectory();
        CifarFiles.WriteCifar10(dir.File("data_batch_1.bin"), [0]);

        var error = Assert.Throws<FileNotFoundException>(() => CifarReader.ReadCifar10(dir.Path, DatasetSplit.Test));

        Assert.Equal(dir.File("test_batch.bin"), error.FileName);
        Assert.Contains("test_batch.bin", error.Message);
    }

    [Fact]
    public void Read_MissingDirectory_NamesDirectory()
    {
        using var dir = new TempDirectory();
        var missing = Path.Combine(dir.Path, "nowhere");

        var error = Assert.Throws<DirectoryNotFoundException>(() => CifarReader.Read(missing, DatasetSplit.Train));

        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void Read_DirectoryWithoutCifarFiles_SaysWhatWasExpected()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("readme.txt"), "not a dataset");

        var error = Assert.Throws<FileNotFoundException>(() => CifarReader.Read(dir.Path, DatasetSplit.Train));

        Assert.Contains("data_batch_*.bin", error.Message);
        Assert.Contains("train.bin", error.Message);
    }

    [Fact]
    public void ReadCifar10_MetaWithWrongClassCount_NamesMetaFile()
    {
        using var dir = new TempDirectory();
        CifarFiles.WriteCifar10(dir.File("test_batch.bin"), [0]);
        File.WriteAllLines(dir.File("batches.meta.txt"), ["cat", "dog"]);

        var error = Assert.Throws<InvalidDataException>(() => CifarReader.ReadCifar10(dir.Path, DatasetSplit.Test));

        Assert.Contains("batches.meta.txt", error.Message);
        Assert.Contains("2 class names, expected 10", error.Message);
    }
}
