namespace Toolchain.Graph;

/// <summary>BatchNorm over dimension 1 with PyTorch's defaults; the channel count comes from the weight.</summary>
public sealed record BatchNormAttributes(double Epsilon = 1e-5, double Momentum = 0.1) : OpAttributes;
