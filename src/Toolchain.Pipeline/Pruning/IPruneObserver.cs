using Toolchain.Methods;
using Toolchain.Pruning;

namespace Toolchain.Pipeline;

/// <summary>What a <see cref="PruneJob"/> tells whoever runs it: its lines and stages, and every epoch of the trail as it lands.</summary>
public interface IPruneObserver : IJobObserver
{
    /// <summary>One epoch of the pruning or fine-tuning phase: its costs, judged against <paramref name="budgets"/>, and its accuracy.</summary>
    void Entry(TrailEntry entry, BudgetSet budgets);
}
