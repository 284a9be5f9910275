namespace Toolchain.Graph;

/// <summary>How <see cref="OpKind.Pad"/> fills the positions it adds (ONNX Pad's modes; PyTorch's constant, reflect, replicate).</summary>
public enum PadMode
{
    /// <summary>Every added position holds <see cref="PadAttributes.Value"/>.</summary>
    Constant,

    /// <summary>Mirror without repeating the edge: [a b c] padded by 2 before reads [c b a b c].</summary>
    Reflect,

    /// <summary>Repeat the edge: [a b c] padded by 2 before reads [a a a b c].</summary>
    Edge,
}

/// <summary>
/// Padding of every dimension, in ONNX's layout: <see cref="Pads"/> holds the amount added before each dimension
/// (0 … rank−1), then the amount added after each. Amounts are non-negative (cropping is a Slice). Reflect needs
/// each amount below its dimension's extent, as in PyTorch and ONNX Runtime.
/// </summary>
public sealed record PadAttributes(IReadOnlyList<long> Pads, PadMode Mode = PadMode.Constant, double Value = 0) : OpAttributes
{
    public int Rank => Pads.Count / 2;

    public long Before(int dim) => Pads[dim];

    public long After(int dim) => Pads[Rank + dim];

    /// <summary>Whether dimension <paramref name="dim"/> is padded at all.</summary>
    public bool IsPadded(int dim) => Before(dim) != 0 || After(dim) != 0;

    public bool Equals(PadAttributes? other) => other is not null && Mode == other.Mode && Value.Equals(other.Value) && Pads.SequenceEqual(other.Pads);

    public override int GetHashCode() => HashCode.Combine(Mode, Value, Pads.Count);

    /// <summary>The attributes for padding only the spatial dimensions of an NCHW tensor (PyTorch's F.pad order is W first; this is H, W).</summary>
    public static PadAttributes Spatial(long top, long left, long bottom, long right, PadMode mode = PadMode.Constant, double value = 0) =>
        new([0, 0, top, left, 0, 0, bottom, right], mode, value);
}
