using Toolchain.Pruning;

namespace Toolchain.Methods;

/// <summary>
/// A pruning method: given the graph, data, budgets and schedule of a <see cref="PruningContext"/>, it trains (or
/// only selects) with masks and returns hard masks under which every budget holds. Compaction, fine-tuning and
/// export are the same for every method and happen in <see cref="PruningRun"/>.
/// </summary>
public interface IPruningMethod
{
    /// <summary>The name on the command line, e.g. "fsa".</summary>
    string Name { get; }

    /// <summary>One line for --help: the method, its source, and what of it is our extension.</summary>
    string Description { get; }

    GroupMasks Prune(PruningContext context);
}
