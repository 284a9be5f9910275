namespace Toolchain.Graph;

/// <summary>Output dimension i is input dimension Permutation[i].</summary>
public sealed record TransposeAttributes(IReadOnlyList<int> Permutation) : OpAttributes
{
    public bool Equals(TransposeAttributes? other) => other is not null && Permutation.SequenceEqual(other.Permutation);

    public override int GetHashCode() => Permutation.Count;
}
