namespace Toolchain.Pruning;

/// <summary>
/// The one-shot uniform baseline (Li et al., 2017): remove the same fraction of every prunable group, the channels
/// with the lowest importance, keeping at least one channel and, optionally, a multiple of <c>roundTo</c>.
/// </summary>
public static class UniformPruning
{
    /// <summary>Masks removing <paramref name="ratio"/> of each prunable group's channels by <paramref name="importance"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">ratio outside (0, 1) or roundTo below 1.</exception>
    /// <exception cref="ArgumentException">the graph has no prunable group.</exception>
    public static GroupMasks SelectMasks(ChannelGroups groups, IChannelImportance importance, double ratio, int roundTo = 1)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(importance);
        CheckRatio(ratio);
        if (roundTo < 1) throw new ArgumentOutOfRangeException(nameof(roundTo), roundTo, "roundTo must be at least 1");
        var prunable = groups.Prunable.ToList();
        if (prunable.Count == 0) throw NoPrunableGroup(groups);

        var masks = new GroupMasks(groups);
        foreach (var group in prunable)
        {
            var keep = KeptWidth(group.Channels, ratio, roundTo);
            if (keep == group.Channels) continue;
            var scores = importance.Score(groups, group);
            // Highest scores survive; ties go to the lower index so the choice is reproducible.
            masks.KeepOnly(group.Id, Enumerable.Range(0, group.Channels).OrderByDescending(c => scores[c]).ThenBy(c => c).Take(keep));
        }

        return masks;
    }

    /// <summary>
    /// Channels kept of <paramref name="channels"/> when removing <paramref name="ratio"/> of them: ⌊ratio·n⌋ go,
    /// at least one stays, and the result is rounded up to a multiple of <paramref name="roundTo"/> (at most n).
    /// </summary>
    public static int KeptWidth(int channels, double ratio, int roundTo = 1)
    {
        CheckRatio(ratio);
        if (roundTo < 1) throw new ArgumentOutOfRangeException(nameof(roundTo), roundTo, "roundTo must be at least 1");
        // A small tolerance so 0.3 · 10 (2.9999…) removes 3.
        var removed = (int)Math.Floor(ratio * channels + 1e-9);
        var keep = Math.Max(1, channels - removed);
        return GroupMasks.RoundUp(keep, roundTo, channels);
    }

    internal static void CheckRatio(double ratio)
    {
        if (!(ratio > 0 && ratio < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "the pruning ratio is the fraction of channels to remove and must lie strictly between 0 and 1");
        }
    }

    internal static ArgumentException NoPrunableGroup(ChannelGroups groups)
    {
        var reasons = groups.Groups.Select(g => g.Reason).Distinct().Take(3);
        return new ArgumentException($"graph '{groups.Graph.Name}' has no prunable channel group ({groups.Count} groups, none prunable: {string.Join("; ", reasons)})");
    }
}
