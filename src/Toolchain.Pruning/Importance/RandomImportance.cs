namespace Toolchain.Pruning;

/// <summary>Uniform random scores, reproducible from the seed and the group id (a baseline every criterion must beat).</summary>
public sealed class RandomImportance(int seed) : IChannelImportance
{
    public int Seed { get; } = seed;

    public string Name => "random";

    public double[] Score(ChannelGroups groups, ChannelGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        // HashCode is randomised per process; a fixed mix keeps scores reproducible across runs.
        var random = new Random(unchecked((Seed * 1_000_003) + group.Id) & int.MaxValue);
        return Enumerable.Range(0, group.Channels).Select(_ => random.NextDouble()).ToArray();
    }
}
