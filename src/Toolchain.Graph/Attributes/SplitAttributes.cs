namespace Toolchain.Graph;

/// <summary>Splits along <see cref="Axis"/> into consecutive parts of the given sizes (one output each).</summary>
public sealed record SplitAttributes(int Axis, IReadOnlyList<long> Sizes) : OpAttributes
{
    public bool Equals(SplitAttributes? other) => other is not null && Axis == other.Axis && Sizes.SequenceEqual(other.Sizes);

    public override int GetHashCode() => HashCode.Combine(Axis, Sizes.Count);
}
