using System.Buffers.Binary;
using System.IO.Compression;
using Toolchain.TestSupport;
using Toolchain.Training.Data;

namespace Toolchain.Training.Tests.Data;

public class FashionMnistReaderTests
{
    [Fact]
    public void Read_GzippedAndPlainIdxFiles_GivesExactPixelsAndLabels()
    {
        using var dir = new TempDirectory();
        WriteIdx(dir.File("train-images-idx3-ubyte.gz"), 3, [3, 28, 28], Pixels(3), gzip: true);
        WriteIdx(dir.File("train-labels-idx1-ubyte.gz"), 1, [3], [9, 0, 4], gzip: true);
        WriteIdx(dir.File("t10k-images-idx3-ubyte"), 3, [1, 28, 28], Pixels(1), gzip: false);
        WriteIdx(dir.File("t10k-labels-idx1-ubyte"), 1, [1], [7], gzip: false);

        var train = FashionMnistReader.Read(dir.Path, DatasetSplit.Train);
        var test = FashionMnistReader.Read(dir.Path, DatasetSplit.Test);

        Assert.Equal(new ImageShape(1, 28, 28), train.Shape);
        Assert.Equal([9, 0, 4], train.Labels.ToArray());
        Assert.Equal("Ankle boot", train.ClassNames[train.Label(0)]);
        Assert.Equal(Pixels(3)[(2 * 28 + 5) * 28 + 17], train.Pixel(2, 0, 5, 17));
        Assert.Equal("fashion-mnist-test", test.Name);
        Assert.Equal([7], test.Labels.ToArray());
    }

    [Fact]
    public void Read_TruncatedImages_SaysHowManyValuesAreMissing()
    {
        using var dir = new TempDirectory();
        WriteIdx(dir.File("train-images-idx3-ubyte.gz"), 3, [3, 28, 28], Pixels(3)[..2000], gzip: true);
        WriteIdx(dir.File("train-labels-idx1-ubyte.gz"), 1, [3], [1, 2, 3], gzip: true);

        var e = Assert.Throws<InvalidDataException>(() => FashionMnistReader.Read(dir.Path, DatasetSplit.Train));
        Assert.Contains("train-images-idx3-ubyte.gz", e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("2352", e.Message);
    }

    [Fact]
    public void Read_LabelFileWhereImagesBelong_NamesTheWrongMagic()
    {
        using var dir = new TempDirectory();
        WriteIdx(dir.File("train-images-idx3-ubyte.gz"), 1, [3], [1, 2, 3], gzip: true);
        WriteIdx(dir.File("train-labels-idx1-ubyte.gz"), 1, [3], [1, 2, 3], gzip: true);

        var e = Assert.Throws<InvalidDataException>(() => FashionMnistReader.Read(dir.Path, DatasetSplit.Train));
        Assert.Contains("train-images-idx3-ubyte.gz: IDX magic 0x00000801, expected 0x00000803", e.Message);
    }

    [Fact]
    public void Read_NotGzipDespiteTheName_SaysSo()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("train-images-idx3-ubyte.gz"), "this is not gzip data at all, just text");
        WriteIdx(dir.File("train-labels-idx1-ubyte.gz"), 1, [1], [1], gzip: true);

        var e = Assert.Throws<InvalidDataException>(() => FashionMnistReader.Read(dir.Path, DatasetSplit.Train));
        Assert.Contains("train-images-idx3-ubyte.gz", e.Message);
    }

    [Fact]
    public void Read_LabelOutOfRangeOrCountMismatch_IsRefused()
    {
        using var dir = new TempDirectory();
        WriteIdx(dir.File("train-images-idx3-ubyte.gz"), 3, [2, 28, 28], Pixels(2), gzip: true);
        WriteIdx(dir.File("train-labels-idx1-ubyte.gz"), 1, [2], [1, 12], gzip: true);
        Assert.Contains("label 12 of image 1", Assert.Throws<InvalidDataException>(() => FashionMnistReader.Read(dir.Path, DatasetSplit.Train)).Message);

        WriteIdx(dir.File("train-labels-idx1-ubyte.gz"), 1, [3], [1, 2, 3], gzip: true);
        Assert.Contains("holds 2 images but", Assert.Throws<InvalidDataException>(() => FashionMnistReader.Read(dir.Path, DatasetSplit.Train)).Message);
    }

    [Fact]
    public void Read_MissingFileOrFolder_NamesItAndTheFix()
    {
        using var dir = new TempDirectory();
        var missing = Assert.Throws<FileNotFoundException>(() => FashionMnistReader.Read(dir.Path, DatasetSplit.Test));
        Assert.Contains("t10k-images-idx3-ubyte", missing.Message);

        var noFolder = Assert.Throws<DirectoryNotFoundException>(() => FashionMnistReader.Read(Path.Combine(dir.Path, "nope"), DatasetSplit.Test));
        Assert.Contains("dataset-fashion-mnist", noFolder.Message);
    }

    [Fact]
    public void Open_DebianCopy_HasSixtyAndTenThousandImagesOfTenClasses()
    {
        // make deps installs Debian's dataset-fashion-mnist; this reads the real files.
        var data = DataSource.Open(DataSource.FashionMnistName);

        Assert.Equal(60_000, data.Train.Count);
        Assert.Equal(10_000, data.Test.Count);
        Assert.Equal(10, data.NumClasses);
        Assert.Equal([1L, 1, 28, 28], data.InputShape);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(1000, data.Test.Labels.ToArray().Count(l => l == c))); // balanced test split
        Assert.InRange(data.Normalization.Mean[0], 0.27f, 0.30f); // Fashion-MNIST's published mean 0.286
    }

    private static byte[] Pixels(int images) => Enumerable.Range(0, images * 28 * 28).Select(i => (byte)(i * 7 % 251)).ToArray();

    private static void WriteIdx(string path, int dimensions, int[] sizes, byte[] values, bool gzip)
    {
        using var file = File.Create(path);
        using var stream = gzip ? new GZipStream(file, CompressionLevel.Fastest) : (Stream)file;
        var header = new byte[4 + 4 * sizes.Length];
        BinaryPrimitives.WriteInt32BigEndian(header, 0x0800 + dimensions);
        for (var d = 0; d < sizes.Length; d++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * d), sizes[d]);
        stream.Write(header);
        stream.Write(values);
    }
}
