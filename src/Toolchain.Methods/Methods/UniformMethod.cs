using Toolchain.Pruning;

namespace Toolchain.Methods;

/// <summary>
/// The uniform one-shot baseline (Li et al., 2017): the same fraction of every prunable group, its least important
/// channels, removed (<see cref="UniformPruning"/>). What <c>toolchain prune --ratio</c> runs when no budget is given.
/// </summary>
public sealed class UniformMethod(IChannelImportance importance, double ratio, int roundTo = 1) : IPruningMethod
{
    public string Name => $"uniform-{importance.Name}";

    public string Description => $"uniform one-shot baseline: {ratio:0.###} of every prunable group removed by {importance.Name} (Li et al. 2017)";

    public GroupMasks Prune(PruningContext context)
    {
        var masks = UniformPruning.SelectMasks(context.Groups, importance, ratio, roundTo);
        context.Record("prune", 0, masks.Widths(), report: null);
        return masks;
    }
}
