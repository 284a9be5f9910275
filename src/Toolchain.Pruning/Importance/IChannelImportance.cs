namespace Toolchain.Pruning;

/// <summary>
/// Scores the channels of a group (higher = more important); a separate piece from discovery and surgery so every
/// method can pick its criterion.
/// </summary>
public interface IChannelImportance
{
    /// <summary>Short name, e.g. "l1".</summary>
    string Name { get; }

    /// <summary>One score per channel of <paramref name="group"/>, from the current weights of <see cref="ChannelGroups.Graph"/>.</summary>
    double[] Score(ChannelGroups groups, ChannelGroup group);
}

/// <summary>The importance criteria available by name (what a command line offers).</summary>
public static class Importance
{
    public static IReadOnlyList<string> Names { get; } = ["l1", "l2", "bn", "random"];

    /// <param name="name">l1 (filter L1 norm), l2 (filter L2 norm), bn (BatchNorm |γ|) or random.</param>
    /// <param name="seed">Seed of the random criterion.</param>
    public static IChannelImportance Create(string name, int seed = 0) => name switch
    {
        "l1" => new FilterNorm(1),
        "l2" => new FilterNorm(2),
        "bn" => new BatchNormScale(),
        "random" => new RandomImportance(seed),
        _ => throw new ArgumentException($"unknown importance criterion '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
    };
}
