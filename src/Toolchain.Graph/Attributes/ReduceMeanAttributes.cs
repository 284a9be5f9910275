namespace Toolchain.Graph;

/// <summary>
/// Mean over <see cref="Axes"/> (non-negative, ascending, distinct). <see cref="KeepDims"/> leaves each reduced
/// dimension at extent 1 (ONNX's default) instead of removing it. Global average pooling as torchvision's MNASNet
/// and ShuffleNet write it is axes [2, 3] without kept dims.
/// </summary>
public sealed record ReduceMeanAttributes(IReadOnlyList<int> Axes, bool KeepDims = true) : OpAttributes
{
    public bool Equals(ReduceMeanAttributes? other) => other is not null && KeepDims == other.KeepDims && Axes.SequenceEqual(other.Axes);

    public override int GetHashCode() => HashCode.Combine(KeepDims, Axes.Count);
}
