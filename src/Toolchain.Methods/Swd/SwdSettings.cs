namespace Toolchain.Methods;

/// <summary>How structured SWD picks the channels its mask would remove (recomputed every <see cref="SwdSettings.MaskEvery"/> steps).</summary>
public enum SwdMask
{
    /// <summary>The authors' form: one global threshold on the BatchNorm scales |γ| that meets the budgets.</summary>
    Threshold,

    /// <summary>
    /// OUR extension: the latency-aware allocator's widths, by |γ| per unit of each budget's cost, the scores compared
    /// within each group (as the one-shot baselines allocate) — the widths a cost-aware cut would keep.
    /// </summary>
    Allocated,

    /// <summary>
    /// OUR extension: the one-shot l1 baseline's cut — the latency-aware allocator's widths by each filter's L1 norm
    /// (summed over coupled convs) on the trained weights — chosen once before the phase and held. The decay then
    /// retires exactly the channels l1 would cut at once, gradually, while the rest learn to do without them: SWD's
    /// smoothing of the hard cut, without a mask that moves as the weights decay (recomputed every batch by L1 norm,
    /// it drifted to other widths and lost to l1 at latency=30 %; README).
    /// </summary>
    L1Cut,
}

/// <summary>
/// Selective weight decay's constants (Tessier et al.; verified against the authors' code): the multiplier a(t) of
/// the extra decay grows exponentially over the pruning phase's steps from <see cref="AMin"/> to <see cref="AMax"/>,
/// and the mask is recomputed every <see cref="MaskEvery"/> steps (the authors: every batch).
/// </summary>
public sealed record SwdSettings(double AMin = 0.1, double AMax = 1e5, int MaskEvery = 1, SwdMask Mask = SwdMask.Threshold, double Ramp = 1)
{
    public static SwdMask ParseMask(string text) => text switch
    {
        "threshold" => SwdMask.Threshold,
        "allocated" => SwdMask.Allocated,
        "l1-cut" => SwdMask.L1Cut,
        _ => throw new ArgumentException($"unknown SWD mask '{text}'; known: threshold, allocated, l1-cut"),
    };

    /// <summary>
    /// a(t) = a_min · (a_max / a_min)^(t / (r·T)) for step t of T (t = 0 before the first), held at a_max after r·T
    /// steps. The authors grow it over all of training (r = <see cref="Ramp"/> = 1); r &lt; 1 is OUR option for short
    /// phases: the pruning phase's learning rate falls to zero with its cosine schedule, so at r = 1 the decay peaks
    /// when the steps are smallest and the masked channels are not yet silent when the cut comes.
    /// </summary>
    public double Multiplier(long step, long totalSteps)
    {
        if (totalSteps < 1) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "the schedule needs at least one step");
        var progress = Math.Clamp(step / (Ramp * totalSteps), 0, 1);
        return AMin * Math.Pow(AMax / AMin, progress);
    }

    public void Validate()
    {
        if (!(AMin > 0 && AMax >= AMin)) throw new ArgumentException($"SWD needs 0 < a_min ≤ a_max (got {AMin}, {AMax})");
        if (!(Ramp > 0 && Ramp <= 1)) throw new ArgumentException($"SWD's ramp (the share of the phase over which a(t) grows) must be in (0, 1] (got {Ramp})");
        if (MaskEvery < 1) throw new ArgumentException($"SWD recomputes its mask every n ≥ 1 steps (got {MaskEvery})");
    }
}
