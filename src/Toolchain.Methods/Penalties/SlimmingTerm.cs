using Toolchain.Torch;
using Toolchain.Torch.Optim;

namespace Toolchain.Methods;

/// <summary>
/// Network slimming's sparsity term (Liu et al., 2017): an L1 penalty on BatchNorm scales, applied as
/// <c>γ.grad += s · sign(γ)</c> after backward, so channels whose γ reaches zero can be cut. The authors use
/// s = 1e-4 for VGG and 1e-5 for ResNets. Other parameters are left alone.
/// </summary>
public sealed class SlimmingTerm : IGradientTerm
{
    private readonly HashSet<Parameter> _scales;

    public SlimmingTerm(IEnumerable<Parameter> batchNormScales, double strength)
    {
        ArgumentNullException.ThrowIfNull(batchNormScales);
        if (!(strength >= 0)) throw new ArgumentOutOfRangeException(nameof(strength), strength, "the sparsity strength s must be ≥ 0");
        _scales = [.. batchNormScales];
        Strength = strength;
    }

    /// <summary>s, the L1 coefficient.</summary>
    public double Strength { get; }

    public void Apply(Parameter parameter, Tensor grad)
    {
        if (Strength == 0 || !_scales.Contains(parameter)) return;
        grad.Add_(parameter.Value.Sign(), Strength);
    }
}
