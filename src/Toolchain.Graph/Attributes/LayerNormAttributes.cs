namespace Toolchain.Graph;

/// <summary>
/// LayerNorm over the channel dimension (1) of each position: (x − mean_c) / √(var_c + ε) · weight + bias, with
/// weight and bias per channel — ConvNeXt's LayerNorm, which PyTorch applies in NHWC over the last dimension.
/// </summary>
public sealed record LayerNormAttributes(double Epsilon = 1e-5) : OpAttributes
{
    public override string? Invalid() => Epsilon >= 0 && double.IsFinite(Epsilon) ? null : $"epsilon {Epsilon} must be finite and non-negative";
}
