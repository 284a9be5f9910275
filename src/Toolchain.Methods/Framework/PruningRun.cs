using Toolchain.Pruning;
using Toolchain.Training;

namespace Toolchain.Methods;

/// <summary>
/// The one prune path every method shares: the method prunes under masks; its masks must meet every budget (hard,
/// not soft: params and MACs exactly, latency by prediction); the graph is compacted physically with the
/// compacted-equals-masked check (<see cref="VerifiedCompaction"/>); then the compacted graph is fine-tuned with a
/// fresh optimizer and its own schedule, each epoch recorded in the trail.
/// </summary>
public static class PruningRun
{
    /// <param name="fineTuning">The fine-tuning recipe; its Epochs (0 skips fine-tuning) and learning rate are the run's.</param>
    public static PruningOutcome Run(PruningContext context, IPruningMethod method, TrainingOptions fineTuning)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(fineTuning);
        context.Budgets.ThrowIfAlreadyMetByDense();
        var masks = method.Prune(context);
        var widths = masks.Widths();
        var missed = context.Budgets.Budgets.Where(b => !b.IsMet(widths)).ToList();
        if (missed.Count > 0)
        {
            // A method must end within its budgets; anything else is a bug in the method, not a result.
            throw new InvalidOperationException($"method '{method.Name}' ended outside its budgets: " +
                                                string.Join("; ", missed.Select(b => b.Describe(b.Cost.Total(widths)))));
        }

        var compaction = VerifiedCompaction.Compact(context.Groups, masks, seed: context.Seed);
        var reports = new List<EpochReport>();
        if (fineTuning.Epochs > 0)
        {
            using var trainer = context.CreateTrainer(fineTuning);
            foreach (var report in trainer.Run(cancellation: context.Cancellation))
            {
                reports.Add(report);
                context.Record("finetune", report.Epoch, widths, report);
            }
        }

        return new PruningOutcome(method.Name, masks, widths, compaction, reports, context.Trail);
    }
}
