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
        IReadOnlyList<EpochReport> reports = [];
        if (fineTuning.Epochs > 0)
        {
            using var trainer = context.CreateTrainer(fineTuning);
            trainer.Hooks.Add(new PruningContext.RecordEpoch(context, "finetune", _ => widths));
            var finished = checkpoint?.Completed(PruningPhase.FineTune, fineTuning.Epochs) == true;
            if (checkpoint is not null)
            {
                trainer.CheckpointMetadata = () => PruningContext.CheckpointMetadata(new PruningCheckpointState
                {
                    Phase = PruningPhase.FineTune, Fingerprint = checkpoint.Fingerprint, Trail = context.Trail.Entries.ToList(),
                    Masks = context.Groups.Groups.Select(g => masks.Keep(g.Id)).ToArray(), Compaction = compaction,
                });
                // Before the first epoch: a kill during fine-tuning never redoes the pruning phase.
                if (!checkpoint.ResumeTrainer(trainer, PruningPhase.FineTune)) trainer.SaveCheckpoint(checkpoint.Path);
            }

            if (!finished)
            {
                foreach (var _ in trainer.Run(checkpoint?.Path, context.Cancellation))
                {
                }
            }

            reports = finished ? checkpoint!.TrainingHistory : trainer.History.ToList();
        }

        return new PruningOutcome(method.Name, masks, widths, compaction, reports, context.Trail);
    }
}
