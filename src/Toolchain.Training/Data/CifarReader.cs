using System.Globalization;

namespace Toolchain.Training.Data;

/// <summary>
/// Reads the binary versions of CIFAR-10 and CIFAR-100 (https://www.cs.toronto.edu/~kriz/cifar.html) from a
/// directory the user names, or from the folder their archives extract to inside it
/// (<c>cifar-10-batches-bin/</c>, <c>cifar-100-binary/</c>). A record is the label byte(s) followed by 3072
/// pixel bytes: the 1024 red values, then green, then blue, each plane row-major, which is already CHW order.
/// </summary>
public static class CifarReader
{
    public const string Cifar10Folder = "cifar-10-batches-bin";
    public const string Cifar100Folder = "cifar-100-binary";

    public static ImageShape Shape { get; } = new(3, 32, 32);

    /// <summary>CIFAR-10's classes, used when <c>batches.meta.txt</c> is absent.</summary>
    public static IReadOnlyList<string> Cifar10ClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>Reads CIFAR-10 if the directory holds it, else CIFAR-100.</summary>
    public static ImageDataset Read(string directory, DatasetSplit split)
    {
        var root = RequireDirectory(directory);
        if (FindCifar10Root(root) is not null) return ReadCifar10(directory, split);
        if (FindCifar100Root(root) is not null) return ReadCifar100(directory, split);
        throw new FileNotFoundException(
            $"'{root}' holds neither CIFAR-10 (data_batch_*.bin, test_batch.bin) nor CIFAR-100 (train.bin, test.bin) " +
            $"binary files, directly or in {Cifar10Folder}/ or {Cifar100Folder}/; extract cifar-10-binary.tar.gz or " +
            "cifar-100-binary.tar.gz there");
    }

    /// <summary>CIFAR-10: <c>data_batch_1..5.bin</c> (train) or <c>test_batch.bin</c> (test), 10 classes.</summary>
    public static ImageDataset ReadCifar10(string directory, DatasetSplit split)
    {
        var root = RequireDirectory(directory);
        var dataRoot = FindCifar10Root(root) ?? root;
        string[] files;
        if (split == DatasetSplit.Train)
        {
            files = Directory.GetFiles(dataRoot, "data_batch_*.bin").OrderBy(BatchNumber).ThenBy(f => f, StringComparer.Ordinal).ToArray();
            if (files.Length == 0)
            {
                throw new FileNotFoundException(
                    $"no data_batch_*.bin in {dataRoot} (expected data_batch_1.bin … data_batch_5.bin of the CIFAR-10 binary version)",
                    Path.Combine(dataRoot, "data_batch_1.bin"));
            }
        }
        else
        {
            files = [RequireFile(Path.Combine(dataRoot, "test_batch.bin"), "the CIFAR-10 test split")];
        }

        var classNames = ReadClassNames(Path.Combine(dataRoot, "batches.meta.txt"), 10) ?? Cifar10ClassNames;
        return ReadRecords($"cifar10-{SplitName(split)}", files, labelBytes: 1, labelIndex: 0, classNames);
    }

    /// <summary>CIFAR-100: <c>train.bin</c> or <c>test.bin</c>; uses the fine labels (100 classes).</summary>
    public static ImageDataset ReadCifar100(string directory, DatasetSplit split)
    {
        var root = RequireDirectory(directory);
        var dataRoot = FindCifar100Root(root) ?? root;
        var file = RequireFile(Path.Combine(dataRoot, split == DatasetSplit.Train ? "train.bin" : "test.bin"),
            $"the CIFAR-100 {SplitName(split)} split");
        var classNames = ReadClassNames(Path.Combine(dataRoot, "fine_label_names.txt"), 100)
            ?? Enumerable.Range(0, 100).Select(i => $"class{i:D2}").ToArray();
        // Record: coarse label, fine label, pixels.
        return ReadRecords($"cifar100-{SplitName(split)}", [file], labelBytes: 2, labelIndex: 1, classNames);
    }

    private static ImageDataset ReadRecords(string name, IReadOnlyList<string> files, int labelBytes, int labelIndex,
        IReadOnlyList<string> classNames)
    {
        var imageBytes = Shape.Size;
        var recordBytes = labelBytes + imageBytes;
        var layout = labelBytes == 1 ? "1 label byte + 3072 pixel bytes" : "coarse and fine label bytes + 3072 pixel bytes";
        long total = 0;
        foreach (var file in files)
        {
            var length = new FileInfo(file).Length;
            if (length == 0 || length % recordBytes != 0)
            {
                throw new InvalidDataException(
                    $"{file}: size {length} is not a multiple of the {recordBytes}-byte record ({layout}); " +
                    "the file is truncated or not in the CIFAR binary format expected here");
            }

            total += length / recordBytes;
        }

        if (total * imageBytes > Array.MaxLength)
        {
            throw new InvalidDataException($"{string.Join(", ", files)}: {total} images do not fit in one in-memory dataset");
        }

        var count = (int)total;
        var pixels = new byte[(long)count * imageBytes];
        var labels = new int[count];
        var buffer = new byte[recordBytes * 1024];
        var next = 0;
        foreach (var file in files)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            var recordInFile = 0;
            while (true)
            {
                var read = ReadFull(stream, buffer);
                if (read == 0) break;
                if (read % recordBytes != 0)
                {
                    throw new InvalidDataException($"{file}: ended inside record {recordInFile + read / recordBytes} (the file changed while being read?)");
                }

                for (var offset = 0; offset < read; offset += recordBytes, recordInFile++, next++)
                {
                    var label = buffer[offset + labelIndex];
                    if (label >= classNames.Count)
                    {
                        throw new InvalidDataException(
                            $"{file}: record {recordInFile}: label {label} outside 0..{classNames.Count - 1}; " +
                            "is this the other CIFAR variant?");
                    }

                    labels[next] = label;
                    buffer.AsSpan(offset + labelBytes, imageBytes).CopyTo(pixels.AsSpan(next * imageBytes, imageBytes));
                }
            }
        }

        return new ImageDataset(name, Shape, classNames, pixels, labels);
    }

    private static int ReadFull(Stream stream, byte[] buffer)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = stream.Read(buffer, filled, buffer.Length - filled);
            if (n == 0) break;
            filled += n;
        }

        return filled;
    }

    /// <summary>One class name per non-empty line, or null when the file is absent.</summary>
    private static string[]? ReadClassNames(string path, int expected)
    {
        if (!File.Exists(path)) return null;
        if (new FileInfo(path).Length > 1 << 20) throw new InvalidDataException($"{path}: over 1 MiB, not a list of {expected} class names");
        var names = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (names.Length != expected)
        {
            throw new InvalidDataException($"{path}: lists {names.Length} class names, expected {expected} (one per line)");
        }

        return names;
    }

    private static string? FindCifar10Root(string root)
    {
        foreach (var candidate in new[] { root, Path.Combine(root, Cifar10Folder) })
        {
            if (Directory.Exists(candidate) &&
                (File.Exists(Path.Combine(candidate, "test_batch.bin")) || Directory.GetFiles(candidate, "data_batch_*.bin").Length > 0))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? FindCifar100Root(string root)
    {
        foreach (var candidate in new[] { root, Path.Combine(root, Cifar100Folder) })
        {
            if (File.Exists(Path.Combine(candidate, "train.bin")) || File.Exists(Path.Combine(candidate, "test.bin")))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string RequireDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException(
                $"CIFAR directory {full} does not exist; point it at the folder where the binary version was extracted");
        }

        return full;
    }

    private static string RequireFile(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} is missing: it holds {what}", path);
        }

        return path;
    }

    // data_batch_10 must sort after data_batch_9.
    private static int BatchNumber(string path)
    {
        var stem = Path.GetFileNameWithoutExtension(path);
        return int.TryParse(stem.AsSpan("data_batch_".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue;
    }

    private static string SplitName(DatasetSplit split) => split == DatasetSplit.Train ? "train" : "test";
}
