namespace Toolchain.Runtime;

/// <summary>
/// Summary statistics of latency samples (milliseconds). Percentiles use the nearest-rank method: the p-th
/// percentile is the smallest sample with at least p % of the samples at or below it, i.e. sorted[⌈p/100·n⌉ − 1]
/// (sorted[0] for p = 0). Every percentile is therefore a latency that was actually measured, and percentiles are
/// monotone in p. The standard deviation is the sample one (n − 1 in the denominator; 0 for a single sample).
/// </summary>
public sealed class LatencyStatistics
{
    private readonly double[] _sorted;

    public LatencyStatistics(IReadOnlyCollection<double> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) throw new ArgumentException("latency statistics need at least one sample", nameof(samples));
        if (samples.Any(s => !double.IsFinite(s) || s < 0))
        {
            throw new ArgumentException("latency samples must be finite and non-negative", nameof(samples));
        }

        _sorted = samples.Order().ToArray();
        Mean = _sorted.Average();
        var mean = Mean;
        StdDev = _sorted.Length == 1 ? 0 : Math.Sqrt(_sorted.Sum(s => (s - mean) * (s - mean)) / (_sorted.Length - 1));
    }

    public int Count => _sorted.Length;

    /// <summary>Every sample, ascending.</summary>
    public IReadOnlyList<double> Sorted => _sorted;

    public double Mean { get; }

    public double StdDev { get; }

    public double Min => _sorted[0];

    public double Max => _sorted[^1];

    public double Sum => _sorted.Sum();

    /// <summary>The nearest-rank <paramref name="percent"/>-th percentile, 0 ≤ percent ≤ 100.</summary>
    public double Percentile(double percent)
    {
        if (!(percent >= 0 && percent <= 100)) throw new ArgumentOutOfRangeException(nameof(percent), percent, "a percentile lies in [0, 100]");
        var rank = (int)Math.Ceiling(percent / 100 * _sorted.Length);
        return _sorted[Math.Max(rank, 1) - 1];
    }
}
