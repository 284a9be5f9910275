namespace Toolchain.Graph;

/// <summary>Clamp to [Min, Max]; a null bound is open.</summary>
public sealed record ClipAttributes(double? Min, double? Max) : OpAttributes;
