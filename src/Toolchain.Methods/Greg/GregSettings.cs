namespace Toolchain.Methods;

/// <summary>
/// GReg's constants; the defaults are the authors' (verified against their code, see METHODS.md): λ changes every
/// <see cref="UpdateInterval"/> iterations (10 in their CIFAR scripts, 5 for ImageNet) by <see cref="Delta"/>; a layer is
/// done when its largest λ exceeds <see cref="Ceiling"/> or, structured, when the running ratio mean|kept| /
/// mean|pruned| exceeds <see cref="RatioThreshold"/> (in every layer at once for GReg-1, per layer for GReg-2).
/// </summary>
public sealed record GregSettings
{
    public GregVariant Variant { get; init; } = GregVariant.Greg1;

    /// <summary>K_u: iterations between λ updates.</summary>
    public int UpdateInterval { get; init; } = 10;

    /// <summary>δλ: the growth of a pruned channel's λ at each update.</summary>
    public double Delta { get; init; } = 1e-4;

    /// <summary>τ: a layer whose largest λ exceeds it is done.</summary>
    public double Ceiling { get; init; } = 1.0;

    /// <summary>Structured pruning's second stop test on the magnitude ratio mean|kept| / mean|pruned|.</summary>
    public double RatioThreshold { get; init; } = 1000;

    /// <summary>The ratio is an exponential moving average with this momentum.</summary>
    public double RatioMomentum { get; init; } = 0.9;

    /// <summary>Whether the groups are channels (structured: the ratio test applies) or single weights (λ test only).</summary>
    public bool Structured { get; init; } = true;

    /// <summary>GReg-2's picking stage: λ += this on every channel at each update …</summary>
    public double PickDelta { get; init; } = 1e-5;

    /// <summary>… until the largest λ reaches this; then the pruned set is picked by magnitude.</summary>
    public double PickCeiling { get; init; } = 1e-2;

    /// <summary>GReg-2: the kept channels' λ is set (not accumulated) to this at each update.</summary>
    public double KeptLambda { get; init; } = -1e-4;

    /// <summary>K_s: iterations λ is held once every layer is done (10k CIFAR, 40k ImageNet).</summary>
    public long HoldIterations { get; init; } = 10_000;

    public void Validate()
    {
        if (UpdateInterval < 1) throw new ArgumentOutOfRangeException(nameof(UpdateInterval), UpdateInterval, "λ must be updated every ≥ 1 iterations");
        if (!(Delta > 0)) throw new ArgumentOutOfRangeException(nameof(Delta), Delta, "δλ must be positive");
        if (!(Ceiling > 0)) throw new ArgumentOutOfRangeException(nameof(Ceiling), Ceiling, "τ must be positive");
        if (!(PickDelta > 0) || !(PickCeiling > 0)) throw new ArgumentOutOfRangeException(nameof(PickDelta), "the picking stage's δ and ceiling must be positive");
        if (RatioMomentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(RatioMomentum), RatioMomentum, "the ratio's momentum must lie in [0, 1)");
        if (HoldIterations < 0) throw new ArgumentOutOfRangeException(nameof(HoldIterations), HoldIterations, "the hold period cannot be negative");
    }
}
