using Toolchain.Pruning;

namespace Toolchain.Methods;

/// <summary>
/// One-shot selection (Li et al., 2017, for the L1 filter norm; <c>random</c> is the control): score the channels of
/// the trained model once and remove the lowest under the budgets, with the latency-aware allocator choosing how
/// wide each group stays (the paper prunes a fixed share per layer; budgets and the allocation are our extension).
/// No training in the pruning phase; the run's fine-tuning follows.
/// </summary>
public sealed class OneShotMethod(string name, IChannelImportance importance) : IPruningMethod
{
    public string Name => name;

    public string Description => name == "random"
        ? "random channels removed under the budgets (a control), then fine-tuning"
        : $"one-shot {importance.Name} filter-norm selection (Li et al. 2017) under the budgets, widths by the latency-aware allocator (our extension), then fine-tuning";

    public GroupMasks Prune(PruningContext context)
    {
        var allocation = context.Allocate(importance);
        context.Record("prune", 0, allocation.Widths, report: null);
        return allocation.Masks;
    }
}
