using System.Text.Json.Nodes;
using Toolchain.Pruning;
using Toolchain.Training;

namespace Toolchain.Methods;

/// <summary>
/// Selective weight decay (SWD; Tessier et al., 2020), structured: while the pruning phase trains, the channels the
/// current mask would remove get an extra decay <c>a(t) · wd · w</c> (<see cref="SelectiveDecayTerm"/>) with a(t)
/// growing exponentially from a_min to a_max (<see cref="SwdSettings"/>), and the mask is recomputed every batch as
/// one global threshold on the BatchNorm scales |γ| (summed over coupled BatchNorms) that meets the budgets; at the
/// end the mask is cut. The authors find the threshold by bisection on the parameter count of the architecture it
/// implies; here the allocator's global threshold meets every budget given — MACs and latency too (our extension; the
/// same threshold for a count, which falls as channels go). Their ResNets add a BatchNorm after each residual add so
/// residual channels can be pruned; coupled groups do that here. The accuracy right after the cut (no fine-tuning,
/// as the authors' <c>--no_ft</c>) is the trail's "cut" entry; the run's fine-tuning follows. Two other masks are OUR
/// extensions (<see cref="SwdMask"/>): the latency-aware allocator's widths by |γ|, recomputed every batch; and the
/// one-shot l1 baseline's cut, chosen once and held, so the decay smooths exactly the cut l1 makes at once.
/// Unstructured (<c>--sparsity unstructured</c>, the authors' other mode): the mask is one global magnitude threshold
/// over the conv and linear weights keeping exactly the budget's count, recomputed every batch, with the same decay
/// and schedule on the weights it would remove. Unlike the authors' code BatchNorm parameters are neither thresholded
/// nor decayed (their small shifts would be pruned; METHODS.md §5).
/// </summary>
public sealed class SwdMethod(SwdSettings settings) : IUnstructuredPruningMethod
{
    public string Name => "swd";

    public string Description => settings.Mask switch
    {
        SwdMask.Threshold =>
            $"selective weight decay (SWD, Tessier et al. 2020; a from {settings.AMin:G3} to {settings.AMax:G3}): extra decay on the channels the current " +
            "|γ| threshold would remove, recomputed every batch, then cut; the threshold set by any budget — MACs, latency — is our extension (the authors use parameters)",
        SwdMask.Allocated =>
            $"selective weight decay (SWD, Tessier et al. 2020; a from {settings.AMin:G3} to {settings.AMax:G3}): extra decay on the channels the latency-aware " +
            "allocator would remove by |γ| (OUR extension; the authors use one global |γ| threshold), recomputed every batch, then cut",
        _ =>
            $"selective weight decay (SWD, Tessier et al. 2020; a from {settings.AMin:G3} to {settings.AMax:G3}): extra decay on the channels the one-shot l1 " +
            "baseline would cut (the latency-aware allocator's widths by filter L1 norm), chosen once and held (OUR extension; the authors recompute one global " +
            "|γ| threshold every batch), then cut",
    };

    public string UnstructuredDescription =>
        $"selective weight decay, unstructured (Tessier et al. 2020; a from {settings.AMin:G3} to {settings.AMax:G3}): one global |w| threshold over the conv and linear " +
        "weights (not BatchNorm, unlike the authors' code) keeping the budget's count, recomputed every batch, extra decay on the weights below it, then cut";

    public WeightMasks PruneWeights(PruningContext context)
    {
        settings.Validate();
        var budget = context.WeightBudget ?? throw new ArgumentException("swd prunes single weights only with an unstructured weight budget");
        if (context.Epochs < 1) throw new ArgumentException("swd decays while it trains: give it at least one pruning epoch (--epochs)");
        var full = context.Groups.FullWidths();
        using var trainer = context.CreateTrainer();
        using var decay = new SelectiveDecayTerm(trainer.Options.WeightDecay);
        trainer.Optimizer.GradientTerms.Add(decay);
        trainer.Hooks.Add(new WeightStep(context, settings, decay, (long)context.Epochs * trainer.BatchesPerEpoch, budget.Keep));
        // The mask always keeps exactly the budget's count: the trail's point is how the decayed weights fare.
        foreach (var _ in context.Train(trainer, _ => full, weightsKept: () => budget.Keep))
        {
        }

        return WeightMasks.TopMagnitude(context.Graph, budget.Keep);
    }

    public GroupMasks Prune(PruningContext context)
    {
        settings.Validate();
        if (context.Epochs < 1) throw new ArgumentException("swd decays while it trains: give it at least one pruning epoch (--epochs)");
        // A held mask is chosen once from the trained weights; a resumed run gets it back from the checkpoint.
        var held = settings.Mask == SwdMask.L1Cut ? new HeldMask(context.Allocate(new FilterNorm(1)).Masks) : null;
        var masks = held?.Masks ?? Mask(context);
        using var trainer = context.CreateTrainer();
        using var decay = new SelectiveDecayTerm(trainer.Options.WeightDecay);
        trainer.Optimizer.GradientTerms.Add(decay);
        var steps = (long)context.Epochs * trainer.BatchesPerEpoch;
        trainer.Hooks.Add(new Step(held is null ? () => Mask(context) : () => held.Masks, recompute: held is null, settings, decay, steps, context.Groups, m => masks = m));
        // A recomputed mask comes from the weights each batch and a(t) from the step count: weights, optimizer and trail
        // are all a resume needs (and a held mask, its method state).
        foreach (var _ in context.Train(trainer, _ => masks.Widths(), held))
        {
        }

        return held?.Masks ?? Mask(context);
    }

    /// <summary>The channels the recomputed mask keeps now, from the current BatchNorm scales.</summary>
    private GroupMasks Mask(PruningContext context) => settings.Mask == SwdMask.Threshold
        ? context.GammaThreshold()
        : context.Allocate(new BatchNormScale()).Masks;

    /// <summary>A mask chosen once and held for the phase (<see cref="SwdMask.L1Cut"/>), kept in the checkpoint.</summary>
    internal sealed class HeldMask(GroupMasks masks) : IMethodState
    {
        public GroupMasks Masks { get; } = masks;

        public JsonNode Save() => new JsonObject { ["mask"] = MaskState.Save(Masks) };

        public void Restore(JsonNode state) => MaskState.Load(state["mask"] ?? throw new InvalidDataException("the checkpoint's SWD state has no mask"), Masks);
    }

    /// <summary>
    /// Before each optimizer update: a(t), and the mask — on the first step (of the run or of a resume), then every
    /// MaskEvery steps when it is recomputed.
    /// </summary>
    private sealed class Step(Func<GroupMasks> mask, bool recompute, SwdSettings settings, SelectiveDecayTerm decay, long totalSteps, ChannelGroups groups, Action<GroupMasks> set)
        : ITrainingHook
    {
        public void AfterBackward(TrainingStep step)
        {
            var t = step.Iteration - 1;
            if (decay.Removed.Count == 0 || (recompute && t % settings.MaskEvery == 0))
            {
                var masks = mask();
                set(masks);
                decay.SetKeepMasks(Masking.KeepMasks(groups, masks));
            }

            decay.Multiplier = settings.Multiplier(t, totalSteps);
        }
    }

    /// <summary>Before each optimizer update, unstructured: the global |w| mask for this step (every MaskEvery steps) and a(t).</summary>
    private sealed class WeightStep(PruningContext context, SwdSettings settings, SelectiveDecayTerm decay, long totalSteps, long keep) : ITrainingHook
    {
        public void AfterBackward(TrainingStep step)
        {
            var t = step.Iteration - 1;
            if (t % settings.MaskEvery == 0 || decay.Removed.Count == 0)
            {
                using var scope = Torch.DisposeScope.Enter();
                decay.SetKeepMasks(WeightMasks.TopMagnitude(context.Graph, keep).KeepTensors(context.Graph));
            }

            decay.Multiplier = settings.Multiplier(t, totalSteps);
        }
    }
}
