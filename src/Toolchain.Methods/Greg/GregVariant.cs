namespace Toolchain.Methods;

/// <summary>Which growing-regularization method (Wang et al., ICLR 2021).</summary>
public enum GregVariant
{
    /// <summary>GReg-1: the pruned set is chosen once by magnitude, then its penalty grows.</summary>
    Greg1,

    /// <summary>GReg-2: a picking stage first grows a small penalty on every channel so magnitudes separate, then picks and grows as GReg-1 while the kept channels get a small negative penalty.</summary>
    Greg2,
}
