namespace Toolchain.Runtime;

/// <summary>
/// How long to measure: <paramref name="Warmup"/> unrecorded runs, then <paramref name="Iterations"/> recorded ones,
/// or, when <paramref name="Duration"/> is set, recorded runs until that much time has passed (at least one; the
/// duration then decides and <paramref name="Iterations"/> is ignored).
/// </summary>
public sealed record BenchmarkOptions(int Warmup = 10, int? Iterations = 100, TimeSpan? Duration = null)
{
    internal void Validate()
    {
        if (Warmup < 0) throw new ArgumentOutOfRangeException(nameof(Warmup), Warmup, "warm-up runs must be ≥ 0");
        if (Iterations is < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "iterations must be ≥ 1");
        if (Duration is { } d && d <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Duration), d, "the duration must be positive");
        if (Iterations is null && Duration is null) throw new ArgumentException("set Iterations, Duration or both");
    }
}
