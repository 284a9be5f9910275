namespace Toolchain.Graph;

/// <summary>Concatenation of all inputs along <see cref="Axis"/> (non-negative).</summary>
public sealed record ConcatAttributes(int Axis = 1) : OpAttributes;
