using Toolchain.Pruning;
using Toolchain.Training;

namespace Toolchain.Methods;

/// <summary>
/// The one prune path every method shares: the method prunes under masks; its masks must meet every budget (hard,
/// not soft: params and MACs exactly, latency by prediction); the graph is compacted physically with the
/// compacted-equals-masked check (<see cref="VerifiedCompaction"/>); then the compacted graph is fine-tuned with a
/// fresh optimizer and its own schedule, each epoch recorded in the trail. With a <see cref="PruningContext.Checkpoint"/>
/// every epoch of both phases is checkpointed (and the compacted graph once more before fine-tuning starts), and an
/// interrupted run resumes from its last complete epoch.
/// </summary>
public static class PruningRun
{
    /// <param name="fineTuning">The fine-tuning recipe; its Epochs (0 skips fine-tuning) and learning rate are the run's.</param>
    public static PruningOutcome Run(PruningContext context, IPruningMethod method, TrainingOptions fineTuning)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(fineTuning);
        var checkpoint = context.Checkpoint;
        var resumed = checkpoint?.Resumed;
        if (resumed is not null) context.Trail.Restore(resumed.Trail);

        if (context.WeightBudget is { } weightBudget) return RunUnstructured(context, method, fineTuning, weightBudget);

        GroupMasks masks;
        VerifiedCompaction compaction;
        if (resumed?.Phase == PruningPhase.FineTune)
        {
            // The checkpoint holds the compacted graph: the method and the compaction are done.
            masks = new GroupMasks(context.Groups);
            foreach (var group in context.Groups.Groups) masks.Set(group.Id, resumed.Masks![group.Id]);
            compaction = resumed.Compaction!;
        }
        else
        {
            if (resumed is null) context.Budgets.ThrowIfAlreadyMetByDense();
            masks = method.Prune(context);
            var found = masks.Widths();
            var missed = context.Budgets.Budgets.Where(b => !b.IsMet(found)).ToList();
            if (missed.Count > 0)
            {
                // A method must end within its budgets; anything else is a bug in the method, not a result.
                throw new InvalidOperationException($"method '{method.Name}' ended outside its budgets: " +
                                                    string.Join("; ", missed.Select(b => b.Describe(b.Cost.Total(found)))));
            }

            compaction = VerifiedCompaction.Compact(context.Groups, masks, seed: context.Seed);
            // The accuracy right after the cut, before any fine-tuning (what SWD's authors report as --no_ft).
            if (context.Data is { } data)
            {
                context.Graph.Training = false;
                context.Record("cut", 0, found, Evaluator.Evaluate(context.Graph, data.Test, data.Normalization));
            }
        }

        var widths = masks.Widths();
        var reports = FineTune(context, fineTuning, widths, () => new PruningCheckpointState
        {
            Phase = PruningPhase.FineTune, Fingerprint = checkpoint!.Fingerprint, Trail = context.Trail.Entries.ToList(),
            Masks = context.Groups.Groups.Select(g => masks.Keep(g.Id)).ToArray(), Compaction = compaction,
        });
        return new PruningOutcome(method.Name, masks, widths, compaction, reports, context.Trail);
    }

    /// <summary>
    /// Unstructured: the method's weight masks must keep exactly the budget's count of conv and linear weights; they are
    /// set as <see cref="Parameter.Mask"/> (no compaction — the graph keeps its shape, so nothing to verify there), and
    /// fine-tuning trains with them held, removed weights and their momentum exactly zero.
    /// </summary>
    private static PruningOutcome RunUnstructured(PruningContext context, IPruningMethod method, TrainingOptions fineTuning, WeightBudget budget)
    {
        if (method is not IUnstructuredPruningMethod unstructured)
        {
            throw new ArgumentException($"method '{method.Name}' prunes channels only; unstructured sparsity works with: {string.Join(", ", PruningMethods.UnstructuredNames)}");
        }

        var checkpoint = context.Checkpoint;
        var full = context.Groups.FullWidths();
        WeightMasks weights;
        if (checkpoint?.Resumed?.Phase == PruningPhase.FineTune)
        {
            // The checkpoint holds the masked graph; its removed weights are exactly zero (Parameter.Mask kept them so),
            // so the masks are its non-zero entries — a kept weight that is exactly 0.0f as well is counted as removed.
            weights = WeightMasks.NonZero(context.Graph);
        }
        else
        {
            weights = unstructured.PruneWeights(context);
            if (weights.Kept != budget.Keep)
            {
                // Exact, like params and MACs of channel pruning: anything else is a bug in the method.
                throw new InvalidOperationException($"method '{method.Name}' kept {weights.Kept:N0} weights; the budget {budget.Describe(weights.Kept)} asks for exactly {budget.Keep:N0}");
            }

            weights.Apply(context.Graph);
            if (context.Data is { } data)
            {
                context.Graph.Training = false;
                context.Record("cut", 0, full, Evaluator.Evaluate(context.Graph, data.Test, data.Normalization), weights.Kept);
            }
        }

        weights.Apply(context.Graph);
        var reports = FineTune(context, fineTuning, full, () => new PruningCheckpointState
        {
            Phase = PruningPhase.FineTune, Fingerprint = checkpoint!.Fingerprint, Trail = context.Trail.Entries.ToList(),
        }, weights.Kept);
        return new PruningOutcome(method.Name, new GroupMasks(context.Groups), full, null, reports, context.Trail, weights);
    }

    /// <summary>Fine-tunes the graph (compacted, or masked for unstructured runs) with a fresh optimizer, checkpointing each epoch with <paramref name="state"/>.</summary>
    private static IReadOnlyList<EpochReport> FineTune(PruningContext context, TrainingOptions fineTuning, IReadOnlyList<int> widths, Func<PruningCheckpointState> state,
        long? weightsKept = null)
    {
        if (fineTuning.Epochs <= 0) return [];
        var checkpoint = context.Checkpoint;
        using var trainer = context.CreateTrainer(fineTuning);
        trainer.Hooks.Add(new PruningContext.RecordEpoch(context, "finetune", _ => widths, weightsKept is { } kept ? () => kept : null));
        var finished = checkpoint?.Completed(PruningPhase.FineTune, fineTuning.Epochs) == true;
        if (checkpoint is not null)
        {
            trainer.CheckpointMetadata = () => PruningContext.CheckpointMetadata(state());
            // Before the first epoch: a kill during fine-tuning never redoes the pruning phase.
            if (!checkpoint.ResumeTrainer(trainer, PruningPhase.FineTune)) trainer.SaveCheckpoint(checkpoint.Path);
        }

        if (!finished)
        {
            foreach (var _ in trainer.Run(checkpoint?.Path, context.Cancellation))
            {
            }
        }

        return finished ? checkpoint!.TrainingHistory : trainer.History.ToList();
    }
}
