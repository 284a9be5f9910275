namespace Toolchain.Training.Data;

/// <summary>
/// The standard CIFAR training transform: pad with zeros by <see cref="CropPadding"/> and crop back at a random
/// offset, flip left-right with probability 1/2, then normalise. With padding 0 and no flip it is the evaluation
/// transform (normalisation only). Padding is zero in pixel space (black), as torchvision pads before normalising.
/// </summary>
public sealed record ImageAugmentation(Normalization Normalization, int CropPadding = 4, bool HorizontalFlip = true) : IImageTransform
{
    /// <summary>Random crop (padding 4), random flip, then normalisation.</summary>
    public static ImageAugmentation Training(Normalization normalization) => new(normalization);

    /// <summary>Normalisation only.</summary>
    public static ImageAugmentation Evaluation(Normalization normalization) => new(normalization, 0, false);

    public void Apply(ReadOnlySpan<byte> image, ImageShape shape, Span<float> destination, Random random)
    {
        var offsetY = CropPadding > 0 ? random.Next(-CropPadding, CropPadding + 1) : 0;
        var offsetX = CropPadding > 0 ? random.Next(-CropPadding, CropPadding + 1) : 0;
        var flip = HorizontalFlip && random.Next(2) == 1;
        Apply(image, shape, destination, offsetY, offsetX, flip);
    }

    /// <summary>
    /// The transform with its random choices given: the crop window sits (offsetY, offsetX) from centred, each in
    /// [−padding, padding], so output(y, x) = input(y + offsetY, x + offsetX) (zero outside the image), and with
    /// <paramref name="flip"/> the cropped image is then mirrored left-right.
    /// </summary>
    public void Apply(ReadOnlySpan<byte> image, ImageShape shape, Span<float> destination, int offsetY, int offsetX, bool flip)
    {
        if (CropPadding < 0) throw new ArgumentOutOfRangeException(nameof(CropPadding), CropPadding, "crop padding must be >= 0");
        if (Normalization.Channels != shape.Channels)
        {
            throw new ArgumentException($"normalisation has {Normalization.Channels} channels but images are {shape}");
        }

        if (image.Length != shape.Size || destination.Length != shape.Size)
        {
            throw new ArgumentException($"image {shape} needs {shape.Size} values; got {image.Length} bytes in and room for {destination.Length} out");
        }

        if (Math.Abs(offsetY) > CropPadding || Math.Abs(offsetX) > CropPadding)
        {
            throw new ArgumentOutOfRangeException(nameof(offsetY), $"crop offset ({offsetY}, {offsetX}) exceeds the padding {CropPadding}");
        }

        int h = shape.Height, w = shape.Width;
        for (var c = 0; c < shape.Channels; c++)
        {
            var scale = 1f / (255f * Normalization.Std[c]);
            var shift = -Normalization.Mean[c] / Normalization.Std[c];
            var plane = image.Slice(c * shape.PlaneSize, shape.PlaneSize);
            var output = destination.Slice(c * shape.PlaneSize, shape.PlaneSize);
            for (var y = 0; y < h; y++)
            {
                var sy = y + offsetY;
                var row = output.Slice(y * w, w);
                if ((uint)sy >= (uint)h)
                {
                    row.Fill(shift);
                    continue;
                }

                var source = plane.Slice(sy * w, w);
                for (var x = 0; x < w; x++)
                {
                    var sx = (flip ? w - 1 - x : x) + offsetX;
                    row[x] = (uint)sx < (uint)w ? source[sx] * scale + shift : shift;
                }
            }
        }
    }
}
