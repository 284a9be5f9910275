using Toolchain.Pruning;

namespace Toolchain.Methods;

/// <summary>
/// One-shot selection (Li et al., 2017, for the L1 filter norm; <c>random</c> is the control): score the channels of
/// the trained model once and remove the lowest under the budgets, with the latency-aware allocator choosing how
/// wide each group stays (the paper prunes a fixed share per layer; budgets and the allocation are our extension).
/// No training in the pruning phase; the run's fine-tuning follows.
/// Unstructured (<c>--sparsity unstructured</c>): the magnitude baseline — one global threshold on |w| over all conv and
/// linear weights (the L1 norm of a single weight is |w|), exactly the budget's count kept, the masks held while
/// fine-tuning; <c>random</c> keeps random weights instead (the control). The baseline lives here rather than as a
/// method of its own: the criterion is the same, and every method name then works in the modes it lists.
/// </summary>
public sealed class OneShotMethod(string name, IChannelImportance importance, int seed = 0) : IUnstructuredPruningMethod
{
    public string Name => name;

    public string Description => name == "random"
        ? "random channels removed under the budgets (a control), then fine-tuning"
        : $"one-shot {importance.Name} filter-norm selection (Li et al. 2017) under the budgets, widths by the latency-aware allocator (our extension), then fine-tuning";

    public string UnstructuredDescription => name == "random"
        ? "random weights kept under the budget (a control), masks held while fine-tuning"
        : "one-shot magnitude pruning: one global |w| threshold over the conv and linear weights keeps exactly the budget's count, masks held while fine-tuning";

    public WeightMasks PruneWeights(PruningContext context)
    {
        var budget = context.WeightBudget ?? throw new ArgumentException($"'{name}' prunes single weights only with an unstructured weight budget");
        var random = new Random(seed);
        var masks = name == "random"
            ? WeightMasks.TopByScore(PrunableWeights.Of(context.Graph), p => Enumerable.Range(0, (int)p.NumElements).Select(_ => random.NextSingle()).ToArray(), budget.Keep)
            : WeightMasks.TopMagnitude(context.Graph, budget.Keep);
        context.Record("prune", 0, context.Groups.FullWidths(), report: null, masks.Kept);
        return masks;
    }

    public GroupMasks Prune(PruningContext context)
    {
        var allocation = context.Allocate(importance);
        context.Record("prune", 0, allocation.Widths, report: null);
        return allocation.Masks;
    }
}
