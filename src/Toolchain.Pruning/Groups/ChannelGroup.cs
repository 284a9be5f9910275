using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>Whether a group member is an axis of a parameter/buffer or a value flowing between nodes.</summary>
public enum MemberKind
{
    /// <summary>An axis of a parameter or buffer (what compaction slices).</summary>
    Tensor,

    /// <summary>The channel positions of an intermediate value (what changes shape).</summary>
    Value,
}

/// <summary>
/// One coupled slice of a channel group: positions of an axis of a tensor or of a value that hold the group's
/// channels. <see cref="Positions"/>[k] lists the positions of channel k (more than one when a channel is repeated,
/// e.g. the H·W features a flatten gives each channel, or the filters of a depthwise conv with a multiplier).
/// For values, positions are row-major over the non-batch dimensions, which for an NCHW activation is the channel index.
/// </summary>
public sealed record GroupMember(MemberKind Kind, string Node, string Name, TensorRole? Role, int Axis, IReadOnlyList<int[]> Positions)
{
    /// <summary>How many positions each channel occupies.</summary>
    public int Multiplicity => Positions[0].Length;

    /// <summary>The first position the group occupies (a concat input's channel offset in the output).</summary>
    public int Offset => Positions.Min(p => p.Min());

    public override string ToString()
    {
        var what = Kind == MemberKind.Tensor ? $"{Name} axis {Axis}" : $"value {Name} axis {Axis}";
        var count = Positions.Count * Multiplicity;
        return $"{what} @{Offset} ×{count}{(Multiplicity > 1 ? $" ({Multiplicity} per channel)" : "")}";
    }
}

/// <summary>
/// A set of channels pruned together: removing channel k removes position(s) k of every member — a conv's filter
/// and bias, the matching BatchNorm entries, the matching input slice of every consumer, and everything tied to
/// them by residual adds, concats, depthwise convs or a flatten into a Linear.
/// </summary>
public sealed class ChannelGroup
{
    internal ChannelGroup(int id, string name, int channels, string? reason, IReadOnlyList<GroupMember> members,
        IReadOnlyList<string> producers, IReadOnlyList<string> affectedNodes)
    {
        Id = id;
        Name = name;
        Channels = channels;
        Reason = reason;
        Members = members;
        Producers = producers;
        AffectedNodes = affectedNodes;
    }

    /// <summary>Index in <see cref="ChannelGroups.Groups"/> (what masks and widths are indexed by).</summary>
    public int Id { get; }

    /// <summary>A readable name: the first producing layer (with the range of its filters when the group is part of
    /// them, and how many other layers are coupled), or the value for groups without a producer.</summary>
    public string Name { get; }

    public int Channels { get; }

    public bool Prunable => Reason is null;

    /// <summary>Why the group cannot be pruned, or null when it can.</summary>
    public string? Reason { get; }

    public IReadOnlyList<GroupMember> Members { get; }

    /// <summary>Conv/Gemm layers whose output filters are this group's channels (what importance criteria score).</summary>
    public IReadOnlyList<string> Producers { get; }

    /// <summary>Nodes whose cost changes with the group's width (they hold a member tensor or read/write a member value), in graph order.</summary>
    public IReadOnlyList<string> AffectedNodes { get; }

    public override string ToString() =>
        $"group {Id} '{Name}': {Channels} channels, {(Prunable ? "prunable" : $"not prunable ({Reason})")}, {Members.Count} members";
}
