using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>One group's outcome in a <see cref="PruneReport"/>.</summary>
public sealed record GroupOutcome(int Id, string Name, int Channels, int Kept, bool Prunable, string? Reason);

/// <summary>What <see cref="OneShotPruning.Prune"/> did to a graph.</summary>
public sealed record PruneReport(string Criterion, double Ratio, int RoundTo, IReadOnlyList<GroupOutcome> Groups, CompactionReport Compaction)
{
    public long ParametersBefore => Compaction.ParametersBefore;

    public long ParametersAfter => Compaction.ParametersAfter;

    public long MacsBefore => Compaction.MacsBefore;

    public long MacsAfter => Compaction.MacsAfter;
}

/// <summary>
/// Discover, score, select, compact in one call: the uniform one-shot baseline as a command runs it
/// (<c>toolchain prune MODEL --method l1 --ratio 0.5</c>). The graph is compacted in place.
/// </summary>
public static class OneShotPruning
{
    public static PruneReport Prune(ModelGraph graph, IChannelImportance importance, double ratio, int roundTo = 1, CompactionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var groups = ChannelGroups.Discover(graph);
        var masks = UniformPruning.SelectMasks(groups, importance, ratio, roundTo);
        var report = Compactor.Compact(groups, masks, options);
        var outcomes = groups.Groups.Select(g => new GroupOutcome(g.Id, g.Name, g.Channels, report.WidthsAfter[g.Id], g.Prunable, g.Reason)).ToList();
        return new PruneReport(importance.Name, ratio, roundTo, outcomes, report);
    }
}
