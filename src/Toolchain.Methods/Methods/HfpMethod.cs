using Toolchain.Pruning;

namespace Toolchain.Methods;

/// <summary>
/// Holistic filter pruning (Enderich et al., WACV 2021), as OUR reconstruction — the authors published no code and
/// the method section could not be checked (METHODS.md): while the pruning phase trains, a penalty
/// <c>λ · max(0, C(n)/C₀ − q)</c> for every budget given (params, MACs, and latency through the profile) at the soft
/// widths n drives the BatchNorm scales of the channels that cost the most down (<see cref="HfpTerm"/>); the channels
/// with activity below ½ are cut as soon as the rest meet every budget, and the phase goes on training the pruned
/// network. When they never do, the cut is at the phase's end, where the allocator removes more, the cut ones first,
/// then by |γ| per unit of cost. Our extensions (<see cref="HfpSettings"/>): each group's push is scaled by the share of
/// its channels it still keeps, and the cut is widened with what the budgets still leave.
/// </summary>
public sealed class HfpMethod(HfpSettings settings) : IPruningMethod
{
    public string Name => "hfp";

    public string Description =>
        $"holistic filter pruning (Enderich et al. 2021) — OUR reconstruction, the authors' method section could not be checked: soft widths from BatchNorm γ, " +
        $"penalty λ·max(0, C(n)/C₀ − q) per budget (λ = {settings.Lambda:G3}; latency through the profile), cut at activity ½ as soon as that meets every budget (else at the phase's end, with the allocator's check)" +
        (settings.ShareOfKept ? "; ours: each group's push scaled by the share of its channels it keeps" : "") +
        (settings.RefillCut ? "; ours: the cut widened with what the budgets still leave" : "");

    public GroupMasks Prune(PruningContext context)
    {
        settings.Validate();
        if (context.Epochs < 1) throw new ArgumentException("hfp learns its widths while it trains: give it at least one pruning epoch (--epochs)");
        using var trainer = context.CreateTrainer();
        var term = new HfpTerm(context.Groups, context.Budgets, settings, (long)context.Epochs * trainer.BatchesPerEpoch, context.Allocation);
        trainer.Hooks.Add(term);
        trainer.Optimizer.GradientTerms.Add(term);
        foreach (var _ in context.Train(trainer, _ => term.CutWidths(), term))
        {
        }

        if (term.Cut is { } early)
        {
            context.Note($"hfp: the channels above the threshold met every budget at step {term.CutStep:N0} of {(long)context.Epochs * trainer.BatchesPerEpoch:N0}; cut there, the rest of the phase trained the pruned network");
            return early;
        }

        context.Note("hfp: the channels above the threshold did not meet every budget during the phase; cut at its end (raise --hfp-lambda or --epochs for an earlier cut)");
        return Cut(context, term);
    }

    /// <summary>The channels with s ≥ t (≥ 1 per group); when that misses a budget, the allocator's widths with the cut channels scored 0.</summary>
    private GroupMasks Cut(PruningContext context, HfpTerm term)
    {
        var scales = term.Scales();
        var masks = term.KeptChannels(scales);
        if (context.Budgets.AllMetBy(masks.Widths())) return term.Widened(masks, scales);
        var scores = context.Groups.Prunable.ToDictionary(g => g.Id, g => scales[g.Id].Select(s => s >= settings.Threshold ? s : 0).ToArray());
        return WidthAllocator.Allocate(context.Groups, scores, context.Budgets, context.Allocation with { NormalizeScoresPerGroup = false }).Masks;
    }
}
