namespace Toolchain.Graph;

/// <summary>ONNX Reshape target: 0 copies the input dimension at that position, one −1 is inferred.</summary>
public sealed record ReshapeAttributes(IReadOnlyList<long> Shape) : OpAttributes
{
    public bool Equals(ReshapeAttributes? other) => other is not null && Shape.SequenceEqual(other.Shape);

    public override int GetHashCode() => Shape.Count;
}
