namespace Toolchain.Graph;

/// <summary>BatchNorm over dimension 1 with PyTorch's defaults; the channel count comes from the weight.</summary>
public sealed record BatchNormAttributes(double Epsilon = 1e-5, double Momentum = 0.1) : OpAttributes
{
    public override string? Invalid() =>
        !(Epsilon >= 0 && double.IsFinite(Epsilon)) ? $"epsilon {Epsilon} must be finite and non-negative"
        : Momentum is >= 0 and <= 1 ? null : $"momentum {Momentum} must lie in [0, 1]";
}
