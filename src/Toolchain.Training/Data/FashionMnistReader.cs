using System.Buffers.Binary;
using System.IO.Compression;

namespace Toolchain.Training.Data;

/// <summary>
/// Reads Fashion-MNIST (Xiao, Rasul &amp; Vollgraf, 2017: 60 000 training and 10 000 test images of clothing,
/// 28×28 grey, 10 classes) from the four IDX files Debian's <c>dataset-fashion-mnist</c> installs in
/// <see cref="DebianDirectory"/>, gzip-compressed (<c>.gz</c>) or not. An IDX file is a big-endian header — the
/// magic 0x0000080D (D = 3 dimensions for images, 1 for labels; 08 = unsigned bytes) and one 32-bit size per
/// dimension — followed by the values, row-major.
/// </summary>
public static class FashionMnistReader
{
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    public static ImageShape Shape { get; } = new(1, 28, 28);

    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public static ImageDataset Read(string directory, DatasetSplit split)
    {
        var root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException(
                $"Fashion-MNIST directory {root} does not exist; install Debian's dataset-fashion-mnist (it puts the files in " +
                $"{DebianDirectory}) or name the folder holding the four *-ubyte(.gz) files");
        }

        var prefix = split == DatasetSplit.Train ? "train" : "t10k";
        var imagesFile = Find(root, $"{prefix}-images-idx3-ubyte");
        var labelsFile = Find(root, $"{prefix}-labels-idx1-ubyte");
        var (imageDims, pixels) = ReadIdx(imagesFile, dimensions: 3);
        var (labelDims, labelBytes) = ReadIdx(labelsFile, dimensions: 1);
        if (imageDims[1] != Shape.Height || imageDims[2] != Shape.Width)
        {
            throw new InvalidDataException($"{imagesFile}: images are {imageDims[1]}×{imageDims[2]}, Fashion-MNIST's are 28×28");
        }

        if (imageDims[0] != labelDims[0])
        {
            throw new InvalidDataException($"{imagesFile} holds {imageDims[0]} images but {labelsFile} {labelDims[0]} labels");
        }

        var labels = new int[labelBytes.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = labelBytes[i] < ClassNames.Count ? labelBytes[i]
                : throw new InvalidDataException($"{labelsFile}: label {labelBytes[i]} of image {i} is outside 0..{ClassNames.Count - 1}");
        }

        return new ImageDataset($"fashion-mnist-{(split == DatasetSplit.Train ? "train" : "test")}", Shape, ClassNames, pixels, labels);
    }

    private static string Find(string root, string stem)
    {
        foreach (var name in new[] { stem + ".gz", stem })
        {
            var path = Path.Combine(root, name);
            if (File.Exists(path)) return path;
        }

        throw new FileNotFoundException($"{Path.Combine(root, stem)}(.gz) is missing: Fashion-MNIST needs the four *-ubyte(.gz) files in one folder",
            Path.Combine(root, stem + ".gz"));
    }

    /// <summary>Up to <paramref name="count"/> bytes of the stream, buffered a chunk at a time (at most what the stream holds).</summary>
    private static byte[] ReadUpTo(Stream stream, long count)
    {
        const int Chunk = 1 << 20;
        if (count <= Chunk)
        {
            var small = new byte[count];
            return small[..stream.ReadAtLeast(small, small.Length, throwOnEndOfStream: false)];
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[Chunk];
        while (buffer.Length < count)
        {
            var read = stream.ReadAtLeast(chunk, (int)Math.Min(Chunk, count - buffer.Length), throwOnEndOfStream: false);
            if (read == 0) break;
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>The dimension sizes and the values of an unsigned-byte IDX file with <paramref name="dimensions"/> dimensions.</summary>
    private static (int[] Dims, byte[] Values) ReadIdx(string path, int dimensions)
    {
        try
        {
            using var file = File.OpenRead(path);
            using var stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
            var word = new byte[4];
            int ReadWord(string what) => stream.ReadAtLeast(word, 4, throwOnEndOfStream: false) == 4 ? BinaryPrimitives.ReadInt32BigEndian(word)
                : throw new InvalidDataException($"{path}: ends inside its IDX header ({what})");

            var magic = ReadWord("magic number");
            if (magic != 0x0800 + dimensions)
            {
                throw new InvalidDataException(
                    $"{path}: IDX magic 0x{magic:X8}, expected 0x{0x0800 + dimensions:X8} (unsigned bytes, {dimensions} dimension{(dimensions > 1 ? "s" : "")}); not a Fashion-MNIST {(dimensions == 3 ? "image" : "label")} file");
            }

            var dims = new int[dimensions];
            long count = 1;
            for (var d = 0; d < dimensions; d++)
            {
                dims[d] = ReadWord($"size of dimension {d}");
                if (dims[d] <= 0) throw new InvalidDataException($"{path}: dimension {d} has size {dims[d]}");
                count *= dims[d];
            }

            if (count > Array.MaxLength) throw new InvalidDataException($"{path}: {count} values do not fit in memory as one array");
            // The header's sizes are not trusted with an allocation: a raw file must be as long as they say, and a gzip
            // one is read in chunks, so a header announcing gigabytes over a few bytes of data allocates only those.
            if (stream == file && file.Length - file.Position < count)
            {
                throw new InvalidDataException(
                    $"{path}: truncated: its header announces {count} values ({string.Join("×", dims)}) but it holds {file.Length - file.Position}");
            }

            var values = ReadUpTo(stream, count);
            if (values.Length != count)
            {
                throw new InvalidDataException($"{path}: truncated: its header announces {count} values ({string.Join("×", dims)}) but it holds {values.Length}");
            }

            return (dims, values);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: not a valid gzip file ({e.Message})", e); // GZipStream's own complaint
        }
    }
}
