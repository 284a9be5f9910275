namespace Toolchain.Training.Tests.Data;

/// <summary>Writes small files in the real CIFAR binary formats, with pixels that encode their own position.</summary>
internal static class CifarFiles
{
    public const int ImageBytes = 3072;

    /// <summary>The byte the writer puts at (record, c, y, x): distinct enough to catch any plane or row mix-up.</summary>
    public static byte PixelValue(int record, int c, int y, int x) => (byte)(record * 7 + c * 85 + y * 3 + x * 5);

    public static byte[] Image(int record)
    {
        var image = new byte[ImageBytes];
        for (var c = 0; c < 3; c++)
        for (var y = 0; y < 32; y++)
        for (var x = 0; x < 32; x++)
            image[c * 1024 + y * 32 + x] = PixelValue(record, c, y, x);
        return image;
    }

    /// <summary>CIFAR-10 record: label, 3072 pixels. Records are numbered from <paramref name="firstRecord"/>.</summary>
    public static void WriteCifar10(string path, IReadOnlyList<int> labels, int firstRecord = 0)
    {
        using var stream = File.Create(path);
        for (var i = 0; i < labels.Count; i++)
        {
            stream.WriteByte((byte)labels[i]);
            stream.Write(Image(firstRecord + i));
        }
    }

    /// <summary>CIFAR-100 record: coarse label, fine label, 3072 pixels.</summary>
    public static void WriteCifar100(string path, IReadOnlyList<(int Coarse, int Fine)> labels)
    {
        using var stream = File.Create(path);
        for (var i = 0; i < labels.Count; i++)
        {
            stream.WriteByte((byte)labels[i].Coarse);
            stream.WriteByte((byte)labels[i].Fine);
            stream.Write(Image(i));
        }
    }
}
