namespace Toolchain.Training.Data;

/// <summary>
/// An image-classification dataset held in memory as uint8 CHW pixels (one byte per value keeps CIFAR-10's
/// training split at 150 MB instead of 600 MB as floats) and integer labels. Immutable once built.
/// </summary>
public sealed class ImageDataset
{
    private readonly byte[] _pixels;
    private readonly int[] _labels;

    /// <summary>
    /// Takes ownership of <paramref name="pixels"/> (N·C·H·W bytes, image after image, each channels-first,
    /// rows top to bottom) and <paramref name="labels"/> (N values in 0..classes-1) without copying them:
    /// the caller must not change them afterwards.
    /// </summary>
    public ImageDataset(string name, ImageShape shape, IReadOnlyList<string> classNames, byte[] pixels, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (shape.Channels <= 0 || shape.Height <= 0 || shape.Width <= 0)
        {
            throw new ArgumentException($"dataset '{name}': image shape {shape} must be positive in every dimension", nameof(shape));
        }

        if (classNames.Count == 0)
        {
            throw new ArgumentException($"dataset '{name}' needs at least one class name", nameof(classNames));
        }

        if ((long)labels.Length * shape.Size != pixels.Length)
        {
            throw new ArgumentException(
                $"dataset '{name}': {pixels.Length} pixel bytes do not hold {labels.Length} images of {shape} " +
                $"({(long)labels.Length * shape.Size} bytes expected)", nameof(pixels));
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classNames.Count)
            {
                throw new ArgumentException(
                    $"dataset '{name}': label {labels[i]} of image {i} is outside 0..{classNames.Count - 1}", nameof(labels));
            }
        }

        Name = name;
        Shape = shape;
        ClassNames = classNames.ToArray();
        _pixels = pixels;
        _labels = labels;
    }

    /// <summary>A short name for logs and reports, e.g. "cifar10-train".</summary>
    public string Name { get; }

    public ImageShape Shape { get; }

    public IReadOnlyList<string> ClassNames { get; }

    public int NumClasses => ClassNames.Count;

    public int Count => _labels.Length;

    /// <summary>All labels, image order.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>All pixels, image after image (N·C·H·W bytes).</summary>
    public ReadOnlySpan<byte> Pixels => _pixels;

    public int Label(int index) => _labels[index];

    /// <summary>The CHW bytes of one image.</summary>
    public ReadOnlySpan<byte> Image(int index)
    {
        if ((uint)index >= (uint)_labels.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"dataset '{Name}' has {Count} images");
        }

        return _pixels.AsSpan(index * Shape.Size, Shape.Size);
    }

    /// <summary>The pixel byte of image <paramref name="index"/> at channel c, row y, column x.</summary>
    public byte Pixel(int index, int c, int y, int x) => Image(index)[(c * Shape.Height + y) * Shape.Width + x];

    /// <summary>How many images each class has.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[NumClasses];
        foreach (var label in _labels) counts[label]++;
        return counts;
    }

    /// <summary>A new dataset with copies of the images at <paramref name="indices"/>, in that order.</summary>
    public ImageDataset Subset(IReadOnlyList<int> indices, string? name = null)
    {
        var size = Shape.Size;
        var pixels = new byte[(long)indices.Count * size];
        var labels = new int[indices.Count];
        for (var i = 0; i < indices.Count; i++)
        {
            Image(indices[i]).CopyTo(pixels.AsSpan(i * size, size));
            labels[i] = _labels[indices[i]];
        }

        return new ImageDataset(name ?? $"{Name}-subset{indices.Count}", Shape, ClassNames, pixels, labels);
    }

    public override string ToString() => $"{Name}: {Count} images {Shape}, {NumClasses} classes";
}
