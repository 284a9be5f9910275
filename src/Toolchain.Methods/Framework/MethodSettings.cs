using Toolchain.Pruning;

namespace Toolchain.Methods;

/// <summary>The settings of the methods a command line can set; each method reads those that concern it.</summary>
public sealed record MethodSettings
{
    /// <summary>FSA's μ (its default 5), selection (global or per layer) and step unit (epoch or iteration).</summary>
    public FsaSettings Fsa { get; init; } = new();

    /// <summary>FSA's criterion; null: filter L2 norm.</summary>
    public IChannelImportance? Importance { get; init; }

    /// <summary>Network slimming's L1 strength s on BatchNorm γ (the authors: 1e-5 for ResNets, 1e-4 for VGG).</summary>
    public double SlimmingStrength { get; init; } = 1e-5;

    /// <summary>GReg's constants (the variant comes from the method's name).</summary>
    public GregSettings Greg { get; init; } = new();

    /// <summary>GReg's constant learning rate while regularizing (the authors' 1e-3).</summary>
    public double GregLearningRate { get; init; } = 1e-3;

    /// <summary>Let GReg prune residual-coupled groups too (the authors prune only a block's inner convs).</summary>
    public bool GregCoupledGroups { get; init; }

    /// <summary>Selective weight decay's a_min, a_max and how often its mask is recomputed.</summary>
    public SwdSettings Swd { get; init; } = new();

    /// <summary>Holistic filter pruning's penalty weight, threshold and temperatures (our reconstruction).</summary>
    public HfpSettings Hfp { get; init; } = new();

    /// <summary>Learned threshold pruning's λ, T₀, τ's learning rate and initial value (ours: the paper gives none).</summary>
    public LtpSettings Ltp { get; init; } = new();

    /// <summary>Channels (structured) or single conv and linear weights (unstructured).</summary>
    public Sparsity Sparsity { get; init; }

    public int Seed { get; init; }
}
