using System.Buffers.Binary;
using System.IO.Compression;
using Toolchain.TestSupport;
using Toolchain.Training.Data;
using Xunit.Abstractions;

namespace Toolchain.Training.Tests.Data;

/// <summary>
/// Fuzzes the data set readers: a Fashion-MNIST folder cut from Debian's real test split (64 images, gzip and plain
/// IDX files) and CIFAR-10/100 folders in their binary formats, one file of the folder mutated per case — blind byte
/// mutations, and IDX headers whose magic or sizes are wrong, negative, zero or announce gigabytes. Every case must
/// load or be refused with our error naming the file (or the folder), never another exception or a runaway allocation.
/// </summary>
public sealed class DatasetFuzzTests(ITestOutputHelper output)
{
    private const int Images = 64;

    [Fact]
    public void MutatedFashionMnistFiles_LoadOrAreRefusedNamingTheFile()
    {
        var (pixels, labels) = RealTestImages(Images);
        // The four files: train as gzip, test as plain IDX, so both paths of the reader are fuzzed.
        (string Name, byte[] Bytes)[] seeds =
        [
            ("train-images-idx3-ubyte.gz", Gzip(Idx(3, [Images, 28, 28], pixels))),
            ("train-labels-idx1-ubyte.gz", Gzip(Idx(1, [Images], labels))),
            ("t10k-images-idx3-ubyte", Idx(3, [Images, 28, 28], pixels)),
            ("t10k-labels-idx1-ubyte", Idx(1, [Images], labels)),
        ];
        var count = Fuzzing.CaseCount(1200);
        var seed = Fuzzing.CampaignSeed(20261203);
        var cases = Enumerable.Range(0, count).Select(i =>
        {
            var random = Fuzzing.CaseRandom(seed, i);
            var (name, bytes) = seeds[i % seeds.Length];
            var (what, mutated) = random.Next(2) == 0 ? Fuzzing.Blind(bytes, random) : MutateIdxHeader(name, bytes, random);
            return (i, $"{name}: {what}", mutated);
        });

        using var dir = new TempDirectory();
        var (failures, loaded, refused) = Fuzzing.Run("fashion-mnist", cases,
            (bytes, i) =>
            {
                var folder = CaseFolder(dir, i);
                foreach (var (name, original) in seeds) File.WriteAllBytes(Path.Combine(folder, name), original);
                File.WriteAllBytes(Path.Combine(folder, seeds[i % seeds.Length].Name), bytes);
                FashionMnistReader.Read(folder, i % 4 < 2 ? DatasetSplit.Train : DatasetSplit.Test);
            },
            (e, i) => e is InvalidDataException && e.Message.Contains(Path.Combine(CaseFolder(dir, i), ""), StringComparison.Ordinal),
            allocationCap: 64L << 20);

        output.WriteLine($"{count} cases, seed {seed}: loaded {loaded}, refused {refused}, failed {failures.Count}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} cases failed:\n{string.Join("\n", failures.Take(15))}");
        Assert.True(refused > count / 3 && loaded > 0, $"loaded {loaded}, refused {refused}");
    }

    [Fact]
    public void IdxHeaderAnnouncingGigabytes_IsRefusedWithoutAllocatingThem()
    {
        using var dir = new TempDirectory();
        var (pixels, labels) = RealTestImages(2);
        File.WriteAllBytes(dir.File("t10k-images-idx3-ubyte.gz"), Gzip(Idx(3, [2_000_000, 28, 28], pixels)));
        File.WriteAllBytes(dir.File("t10k-labels-idx1-ubyte.gz"), Gzip(Idx(1, [2], labels)));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => FashionMnistReader.Read(dir.Path, DatasetSplit.Test));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("announces 1568000000 values", e.Message);
        Assert.True(allocated < 64 << 20, $"allocated {allocated >> 20} MiB for a header's claim");
    }

    [Fact]
    public void MutatedCifarFiles_LoadOrAreRefusedNamingTheFile()
    {
        var count = Fuzzing.CaseCount(1000);
        var seed = Fuzzing.CampaignSeed(20261204);
        using var seedDir = new TempDirectory();
        CifarFiles.WriteCifar10(seedDir.File("data_batch_1.bin"), [3, 1, 4, 1, 5]);
        CifarFiles.WriteCifar10(seedDir.File("test_batch.bin"), [9, 2, 6]);
        File.WriteAllLines(seedDir.File("batches.meta.txt"), CifarReader.Cifar10ClassNames);
        CifarFiles.WriteCifar100(seedDir.File("train.bin"), [(1, 42), (19, 99), (0, 0)]);
        (string Name, byte[] Bytes)[] seeds = new[] { "data_batch_1.bin", "test_batch.bin", "batches.meta.txt", "train.bin" }
            .Select(n => (n, File.ReadAllBytes(seedDir.File(n)))).ToArray();
        var cases = Enumerable.Range(0, count).Select(i =>
        {
            var random = Fuzzing.CaseRandom(seed, i);
            var (name, bytes) = seeds[i % seeds.Length];
            var (what, mutated) = Fuzzing.Blind(bytes, random);
            return (i, $"{name}: {what}", mutated);
        });

        using var dir = new TempDirectory();
        var (failures, loaded, refused) = Fuzzing.Run("cifar", cases,
            (bytes, i) =>
            {
                var folder = CaseFolder(dir, i);
                var name = seeds[i % seeds.Length].Name;
                // CIFAR-100's train.bin alone in its folder, the CIFAR-10 files together in theirs.
                foreach (var (n, original) in seeds.Where(s => (s.Name == "train.bin") == (name == "train.bin"))) File.WriteAllBytes(Path.Combine(folder, n), original);
                File.WriteAllBytes(Path.Combine(folder, name), bytes);
                CifarReader.Read(folder, name == "test_batch.bin" ? DatasetSplit.Test : DatasetSplit.Train);
            },
            (e, i) => e is InvalidDataException or FileNotFoundException && e.Message.Contains(CaseFolder(dir, i), StringComparison.Ordinal),
            allocationCap: 64L << 20);

        output.WriteLine($"{count} cases, seed {seed}: loaded {loaded}, refused {refused}, failed {failures.Count}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} cases failed:\n{string.Join("\n", failures.Take(15))}");
        Assert.True(refused > count / 4 && loaded > 0, $"loaded {loaded}, refused {refused}");
    }

    private static string CaseFolder(TempDirectory dir, int i) => Directory.CreateDirectory(dir.File($"case-{i}")).FullName;

    /// <summary>The first <paramref name="count"/> images and labels of Debian's Fashion-MNIST test split.</summary>
    private static (byte[] Pixels, byte[] Labels) RealTestImages(int count)
    {
        var test = FashionMnistReader.Read(FashionMnistReader.DebianDirectory, DatasetSplit.Test);
        var pixels = new byte[count * 28 * 28];
        for (var n = 0; n < count; n++)
        for (var y = 0; y < 28; y++)
        for (var x = 0; x < 28; x++)
            pixels[(n * 28 + y) * 28 + x] = test.Pixel(n, 0, y, x);
        return (pixels, Enumerable.Range(0, count).Select(n => (byte)test.Label(n)).ToArray());
    }

    /// <summary>The IDX header rewritten: another magic, or one size made zero, negative, huge or off by one.</summary>
    private static (string, byte[]) MutateIdxHeader(string name, byte[] file, Random random)
    {
        var gzip = name.EndsWith(".gz", StringComparison.Ordinal);
        var raw = gzip ? Gunzip(file) : (byte[])file.Clone();
        var dimensions = raw[3];
        string what;
        if (random.Next(4) == 0)
        {
            var magic = new[] { 0x0801, 0x0803, 0x0D03, 0x0800, unchecked((int)0xFFFFFFFF) }[random.Next(5)];
            BinaryPrimitives.WriteInt32BigEndian(raw, magic);
            what = $"magic 0x{magic:X8}";
        }
        else
        {
            var d = random.Next(dimensions);
            var size = new[] { 0, -1, int.MinValue, int.MaxValue, 1 << 20, Images + 1, Images - 1, 27, 29 }[random.Next(9)];
            BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(4 + 4 * d), size);
            what = $"size {d} = {size}";
        }

        return (what, gzip ? Gzip(raw) : raw);
    }

    private static byte[] Idx(int dimensions, int[] sizes, byte[] values)
    {
        var bytes = new byte[4 + 4 * sizes.Length + values.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x0800 + dimensions);
        for (var d = 0; d < sizes.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), sizes[d]);
        values.CopyTo(bytes, 4 + 4 * sizes.Length);
        return bytes;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest)) gzip.Write(bytes);
        return buffer.ToArray();
    }

    private static byte[] Gunzip(byte[] bytes)
    {
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        return buffer.ToArray();
    }
}
