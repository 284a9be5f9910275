namespace Toolchain.Graph;

/// <summary>Clamp to [Min, Max]; a null bound is open.</summary>
public sealed record ClipAttributes(double? Min, double? Max) : OpAttributes
{
    public override string? Invalid() =>
        Min is double.NaN || Max is double.NaN ? "a clip bound is NaN"
        : Min > Max ? $"clip minimum {Min} exceeds the maximum {Max}" : null;
}
