namespace Toolchain.Pruning;

/// <summary>
/// Which channels of each group are kept (<c>keep[k]</c> per channel, indexed by group id). Starts with every channel
/// kept. Every group keeps at least one channel, and unprunable groups keep all of theirs: setting anything else
/// throws naming the group.
/// </summary>
public sealed class GroupMasks
{
    private readonly bool[][] _keep;

    public GroupMasks(ChannelGroups groups)
    {
        Groups = groups ?? throw new ArgumentNullException(nameof(groups));
        _keep = groups.Groups.Select(g => Enumerable.Repeat(true, g.Channels).ToArray()).ToArray();
    }

    public ChannelGroups Groups { get; }

    /// <summary>A copy of the keep flags of one group.</summary>
    public bool[] Keep(int groupId) => (bool[])_keep[Groups[groupId].Id].Clone();

    public void Set(int groupId, IReadOnlyList<bool> keep)
    {
        var g = Groups[groupId];
        ArgumentNullException.ThrowIfNull(keep);
        if (keep.Count != g.Channels)
        {
            throw new ArgumentException($"group {g.Id} '{g.Name}' has {g.Channels} channels; the mask has {keep.Count} entries", nameof(keep));
        }

        var kept = keep.Count(k => k);
        if (kept == 0)
        {
            throw new ArgumentException($"the mask for group {g.Id} '{g.Name}' removes all {g.Channels} channels; keep at least one", nameof(keep));
        }

        if (!g.Prunable && kept != g.Channels)
        {
            throw new ArgumentException($"group {g.Id} '{g.Name}' cannot be pruned ({g.Reason}); its mask must keep all {g.Channels} channels", nameof(keep));
        }

        _keep[g.Id] = keep.ToArray();
    }

    /// <summary>Keeps exactly <paramref name="channels"/> of a group.</summary>
    public void KeepOnly(int groupId, IEnumerable<int> channels)
    {
        var g = Groups[groupId];
        var keep = new bool[g.Channels];
        foreach (var c in channels)
        {
            if (c < 0 || c >= g.Channels) throw new ArgumentOutOfRangeException(nameof(channels), c, $"group {g.Id} '{g.Name}' has channels 0…{g.Channels - 1}");
            keep[c] = true;
        }

        Set(groupId, keep);
    }

    public bool IsKept(int groupId, int channel) => _keep[groupId][channel];

    public int Width(int groupId) => _keep[Groups[groupId].Id].Count(k => k);

    /// <summary>Kept channels per group (what cost models take).</summary>
    public int[] Widths() => _keep.Select(k => k.Count(x => x)).ToArray();

    /// <summary>Whether any channel of any group is removed.</summary>
    public bool RemovesAny => _keep.Any(k => k.Any(x => !x));

    public GroupMasks Clone()
    {
        var copy = new GroupMasks(Groups);
        for (var g = 0; g < _keep.Length; g++) copy._keep[g] = (bool[])_keep[g].Clone();
        return copy;
    }

    /// <summary>
    /// A copy whose kept widths are multiples of <paramref name="multiple"/> (rounded up, at most the group's size) by
    /// keeping again the removed channels with the highest <paramref name="scores"/> (by default the lowest
    /// indices). Re-kept channels that were masked are zero, so the function is unchanged: alignment trades a few
    /// idle channels for widths the hardware prefers.
    /// </summary>
    public GroupMasks AlignedTo(int multiple, Func<ChannelGroup, double[]>? scores = null)
    {
        if (multiple < 1) throw new ArgumentOutOfRangeException(nameof(multiple), multiple, "the width multiple must be at least 1");
        var result = Clone();
        foreach (var g in Groups.Groups)
        {
            var keep = result._keep[g.Id];
            var width = keep.Count(k => k);
            var target = RoundUp(width, multiple, g.Channels);
            if (target == width) continue;
            var score = scores?.Invoke(g);
            var again = Enumerable.Range(0, g.Channels).Where(c => !keep[c])
                .OrderByDescending(c => score?[c] ?? 0).ThenBy(c => c).Take(target - width);
            foreach (var c in again) keep[c] = true;
        }

        return result;
    }

    /// <summary><paramref name="width"/> rounded up to a multiple, capped at <paramref name="channels"/>.</summary>
    public static int RoundUp(int width, int multiple, int channels) =>
        Math.Min(channels, (int)Math.Ceiling(width / (double)multiple) * multiple);
}
