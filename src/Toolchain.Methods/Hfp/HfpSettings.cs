using Toolchain.Pruning;

namespace Toolchain.Methods;

/// <summary>
/// Holistic filter pruning's constants. HFP's authors published no code and its method section could not be checked
/// (METHODS.md): these are the knobs of OUR reconstruction. A channel's activity is a = σ((s − t)/T) with s its
/// BatchNorm scale |γ| (averaged over coupled BatchNorms) relative to the mean scale of all prunable channels when the
/// phase starts, t = <see cref="Threshold"/>; the temperature T falls geometrically from
/// <see cref="TemperatureStart"/> to <see cref="TemperatureEnd"/> over the phase, so soft widths approach the hard
/// count the cut (a &lt; 0.5, i.e. s &lt; t) will keep; each budget's penalty weight starts at <see cref="Lambda"/> and
/// grows by the factor 1 + <see cref="LambdaGrowth"/> every step a budget is still exceeded at the soft widths; after
/// every step the BatchNorm shift β of each channel below t shrinks by the factor 1 − <see cref="ShiftDecay"/> (our
/// extension: the cut then removes channels that output ≈ 0 instead of their constant act(β)). With
/// <see cref="CutWhenMet"/> the cut is made as soon as the channels above t meet every budget, and the rest of the phase
/// trains the pruned network; without it, at the end of the phase. With <see cref="RefillCut"/> (our extension) the cut
/// is widened by what the budgets still leave (<see cref="WidthAllocator.Widen"/>): the push stops where the budgets are
/// first met, and on a measured latency staircase that is often a costly stair below them — ResNet-20 at latency=30 %
/// was cut to widths like 7 and 36 where 8 and 32 run faster. With <see cref="ShareOfKept"/> (our extension, as the
/// allocator's <see cref="AllocationOptions.ShareOfKept"/>) the push on a group is scaled by the share of its channels it
/// still keeps, n_g / N_g: the exact gradient pushes by cost alone, and a residual stream — whose channel costs as much as
/// all the convs it feeds — was emptied first (ResNet-20 at latency=30 %: stage 2's stream cut to 2 of 32 channels,
/// 82.8 % top-1 after fine-tuning; scaled, 3 of 32 and the inner convs wider, 88.6 %).
/// </summary>
public sealed record HfpSettings(double Lambda = 2, double Threshold = 0.1, double TemperatureStart = 0.5, double TemperatureEnd = 0.05, double LambdaGrowth = 0.01,
    double ShiftDecay = 0.02, bool CutWhenMet = true, bool RefillCut = true, bool ShareOfKept = true)
{
    /// <summary>T after <paramref name="progress"/> ∈ [0, 1] of the phase: T_start · (T_end / T_start)^progress.</summary>
    public double Temperature(double progress) => TemperatureStart * Math.Pow(TemperatureEnd / TemperatureStart, Math.Clamp(progress, 0, 1));

    public void Validate()
    {
        if (!(Lambda > 0)) throw new ArgumentException($"HFP's penalty weight λ must be positive (got {Lambda})");
        if (!(LambdaGrowth >= 0)) throw new ArgumentException($"HFP's λ growth per step must be ≥ 0 (got {LambdaGrowth})");
        if (!(ShiftDecay >= 0 && ShiftDecay <= 1)) throw new ArgumentException($"HFP's shift decay per step must lie in [0, 1] (got {ShiftDecay})");
        if (!(Threshold > 0)) throw new ArgumentException($"HFP's threshold t must be positive (got {Threshold})");
        if (!(TemperatureStart > 0 && TemperatureEnd > 0)) throw new ArgumentException($"HFP's temperatures must be positive (got {TemperatureStart}, {TemperatureEnd})");
    }
}
