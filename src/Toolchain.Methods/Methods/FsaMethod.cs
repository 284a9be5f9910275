using Toolchain.Pruning;
using Toolchain.Training;

namespace Toolchain.Methods;

/// <summary>
/// Pruning via annealing with direct sparsity control (FSA; Guo, She &amp; Barbu): a constraint, not a penalty. After
/// each epoch e of N the budgets are annealed, B_e = B* + (B_0 − B*)·max(0, (N − 2e)/(2eμ + N)) (<see cref="AnnealingSchedule"/>;
/// for a count budget this is the paper's M_e, for latency our extension), the channels that fit B_e best by
/// importance per unit of cost are kept and the rest removed for good (masked: their weights, gradients and momentum
/// stay exactly zero). B_e reaches the budget at e = N/2; the second half trains at the target size. Selection is
/// global over the groups (the per-layer variant is not implemented).
/// </summary>
public sealed class FsaMethod(double mu, IChannelImportance importance) : IPruningMethod
{
    public string Name => "fsa";

    public string Description =>
        $"annealing with direct sparsity control (FSA, Guo et al.; μ = {mu}): trains while the budget anneals to its target by epoch N/2, removing channels for good; latency budgets anneal as B_e (our extension)";

    public GroupMasks Prune(PruningContext context)
    {
        if (context.Epochs < 1) throw new ArgumentException("fsa prunes while it trains: give it at least one pruning epoch (--epochs)");
        var schedule = new AnnealingSchedule(context.Epochs, mu);
        var masks = new GroupMasks(context.Groups);
        using var trainer = context.CreateTrainer();
        trainer.Hooks.Add(new AnnealStep(context, schedule, importance, masks));
        foreach (var _ in trainer.Run(cancellation: context.Cancellation))
        {
        }

        return masks;
    }

    /// <summary>After each epoch: allocate under B_e, keep only what was kept before too, mask, record.</summary>
    private sealed class AnnealStep(PruningContext context, AnnealingSchedule schedule, IChannelImportance importance, GroupMasks masks) : ITrainingHook
    {
        public void AfterEpoch(EpochReport report)
        {
            var annealed = context.BudgetsWithLimits(b => schedule.At(report.Epoch, b.Dense, b.Limit));
            var allocation = context.Allocate(importance, annealed);
            foreach (var group in context.Groups.Prunable)
            {
                var before = masks.Keep(group.Id);
                var now = allocation.Masks.Keep(group.Id);
                masks.Set(group.Id, before.Zip(now, (a, b) => a && b).ToArray()); // removal is permanent
            }

            Masking.Apply(context.Groups, masks);
            context.Record("prune", report.Epoch, masks.Widths(), report);
        }
    }
}
