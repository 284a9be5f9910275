namespace Toolchain.Training.Data;

/// <summary>
/// Turns one uint8 CHW image into the float32 CHW values a model sees (augmentation and normalisation).
/// Implementations must be deterministic given <paramref name="random"/> and safe to call from a loader's
/// background thread.
/// </summary>
public interface IImageTransform
{
    /// <summary>Writes shape.Size floats to <paramref name="destination"/>.</summary>
    void Apply(ReadOnlySpan<byte> image, ImageShape shape, Span<float> destination, Random random);
}
