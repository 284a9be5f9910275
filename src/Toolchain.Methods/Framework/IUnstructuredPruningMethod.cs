using Toolchain.Pruning;

namespace Toolchain.Methods;

/// <summary>
/// A method that can also remove single weights: given a context with a <see cref="PruningContext.WeightBudget"/>, it
/// trains (or only selects) and returns weight masks that keep exactly the budget's count. <see cref="PruningRun"/>
/// applies them (no compaction: the graph keeps its shape), checks the count and fine-tunes with the masks held.
/// </summary>
public interface IUnstructuredPruningMethod : IPruningMethod
{
    /// <summary>One line for --help about the unstructured mode: what it does, its source, what is ours.</summary>
    string UnstructuredDescription { get; }

    WeightMasks PruneWeights(PruningContext context);
}
