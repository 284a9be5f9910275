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
/// Discover, score, select, compact (verified: <see cref="VerifiedCompaction"/>) in one call: the uniform one-shot
/// baseline for library users and benchmarks. The graph is compacted in place. The command line runs the same
/// selection through the method framework (Toolchain.Methods' UniformMethod) to get training, fine-tuning and the trail.
/// </summary>
public static class OneShotPruning
{
    public static PruneReport Prune(ModelGraph graph, IChannelImportance importance, double ratio, int roundTo = 1, CompactionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var groups = ChannelGroups.Discover(graph);
        var masks = UniformPruning.SelectMasks(groups, importance, ratio, roundTo);
        var report = VerifiedCompaction.Compact(groups, masks, options).Report;
        var outcomes = groups.Groups.Select(g => new GroupOutcome(g.Id, g.Name, g.Channels, report.WidthsAfter[g.Id], g.Prunable, g.Reason)).ToList();
        return new PruneReport(importance.Name, ratio, roundTo, outcomes, report);
    }
}
