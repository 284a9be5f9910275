namespace Toolchain.Training.Data;

/// <summary>
/// A tiny deterministic generator (SplitMix64). Our own algorithm, not System.Random, so that generated data and
/// shuffles stay bit-identical across .NET versions; a struct so per-image generators cost no allocation.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private ulong _state = seed;

    public ulong NextUInt64() => Finalize(_state += Golden);

    /// <summary>Uniform in [0, 1).</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>Uniform in [low, high).</summary>
    public float Uniform(float low, float high) => low + (high - low) * NextFloat();

    /// <summary>Uniform in [0, n).</summary>
    public int NextInt(int n) => (int)((NextUInt64() >> 33) % (ulong)n);

    public bool Chance(float probability) => NextFloat() < probability;

    /// <summary>Approximately standard normal: a sum of four uniforms, plenty for pixel noise and cheap.</summary>
    public float NextGaussian()
    {
        var r = NextUInt64();
        var sum = (r & 0xFFFF) + ((r >> 16) & 0xFFFF) + ((r >> 32) & 0xFFFF) + (r >> 48);
        // Four U(0,1) sum to mean 2, variance 1/3.
        return (sum * (1f / 65536f) - 2f) * 1.7320508f;
    }

    /// <summary>Combines a seed with stream identifiers (epoch, image index, …) into an independent seed.</summary>
    public static ulong Mix(ulong seed, params ReadOnlySpan<long> streams)
    {
        var h = Finalize(seed + Golden);
        foreach (var s in streams) h = Finalize(h ^ ((ulong)s * Golden + 0x632BE59BD9B4E019UL));
        return h;
    }

    /// <summary>A non-negative int seed for System.Random, derived like <see cref="Mix"/>.</summary>
    public static int MixToInt(ulong seed, params ReadOnlySpan<long> streams) => (int)(Mix(seed, streams) >> 33);

    private static ulong Finalize(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
