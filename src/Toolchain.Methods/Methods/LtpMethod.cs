using Toolchain.Pruning;

namespace Toolchain.Methods;

/// <summary>
/// Learned threshold pruning (LTP; Azarian et al., 2020). Unstructured (the paper, <see cref="LtpWeights"/>): per-layer
/// thresholds τ_l learned with the soft mask w·σ((w² − τ_l)/T_l) and the differentiable L0 term; structured (OUR
/// extension, <see cref="LtpChannels"/>, the default <c>--sparsity</c>): per-group thresholds on filter scores with
/// HFP's budget penalty, for MACs and latency budgets, cut as soon as the channels over their thresholds meet every
/// budget (as HFP's cut; the rest of the phase trains the pruned network). The paper has no budget: λ trades accuracy for sparsity and
/// training leaves a trail of progressively sparser points. After each epoch the hard mask is evaluated and recorded in
/// the trail; at the end the run goes back to the most accurate point that met the budget (<see cref="TrailPick"/>) and
/// cuts there to the budget exactly. When no point met it, the last one is cut deeper, and a note says so.
/// </summary>
public sealed class LtpMethod(LtpSettings settings) : IUnstructuredPruningMethod
{
    public string Name => "ltp";

    public string Description =>
        "learned threshold pruning (Azarian et al. 2020), STRUCTURED as OUR extension: per-group thresholds τ on filter scores ‖w_f‖²/numel, soft widths Σσ((s − τ)/T) " +
        $"under HFP's budget penalty (weight {settings.PenaltyWeight:G3}; latency through the profile), cut as soon as the channels over τ meet every budget; " +
        (settings.ShareOfKept ? "each group's push scaled by the share of its channels it keeps; " : "") +
        (settings.RefillCut ? "the cut widened with what the budgets still leave; " : "") +
        "the most accurate trail point within the budgets is kept";

    public string UnstructuredDescription =>
        $"learned threshold pruning (Azarian et al. 2020): per-layer τ, soft mask w·σ((w² − τ)/T), T = T₀·Var(|w|), loss + λ·Σσ (λ = {settings.Lambda:G3}, T₀ = {settings.TemperatureScale:G3}, " +
        $"τ lr {settings.ThresholdLearningRate:G3} — our defaults, the paper gives none); the most accurate trail point within the budget, cut to it exactly";

    public GroupMasks Prune(PruningContext context)
    {
        settings.Validate();
        if (context.Epochs < 1) throw new ArgumentException("ltp learns its thresholds while it trains: give it at least one pruning epoch (--epochs)");
        using var trainer = context.CreateTrainer();
        using var gates = new LtpChannels(context.Groups, context.Budgets, settings, context.Allocation);
        trainer.Hooks.Add(gates);
        foreach (var _ in context.Train(trainer, _ => gates.HardWidths(), gates))
        {
        }

        if (gates.Cut is not null)
        {
            context.Note($"ltp: the channels over their thresholds met every budget at step {gates.CutStep:N0} of {(long)context.Epochs * trainer.BatchesPerEpoch:N0}; " +
                         "cut there, the rest of the phase trained the pruned network");
        }

        Pick(context, gates);
        return gates.FinalMasks();
    }

    public WeightMasks PruneWeights(PruningContext context)
    {
        settings.Validate();
        var budget = context.WeightBudget ?? throw new ArgumentException("ltp prunes single weights only with an unstructured weight budget");
        if (context.Epochs < 1) throw new ArgumentException("ltp learns its thresholds while it trains: give it at least one pruning epoch (--epochs)");
        using var trainer = context.CreateTrainer();
        using var gates = new LtpWeights(context.Graph, settings, budget.Keep);
        trainer.Hooks.Add(gates);
        foreach (var _ in context.Train(trainer, _ => context.Groups.FullWidths(), gates, gates.HardKept))
        {
        }

        Pick(context, gates);
        return gates.FinalMasks();
    }

    /// <summary>Back to the most accurate trail point within the budget, and a note saying which (or that none was).</summary>
    private static void Pick(PruningContext context, LtpThresholds gates)
    {
        var lost = gates.LostPick is { } l && (gates.Pick is not { } p || l.Top1 > p.Top1)
            ? $" (the interrupted run had kept epoch {l.Epoch} at top-1 {l.Top1:P2}, whose weights a resume does not keep)"
            : "";
        context.Note(gates.RestorePick()
            ? $"ltp: picked the trail point of pruning epoch {gates.Pick!.Value.Epoch} (hard-mask top-1 {gates.Pick.Value.Top1:P2}), the most accurate within the budget{lost}"
            : $"ltp: no trail point met the budget (raise --ltp-lambda or --epochs); the last one is cut to it, deeper than its thresholds{lost}");
    }
}
