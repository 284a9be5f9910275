namespace Toolchain.Profiling;

/// <summary>
/// Statistics that stay put when other processes steal the CPU now and then: contention only ever adds time, so a
/// disturbed run lands in the upper tail and the middle of the distribution is what the layer costs.
/// </summary>
public static class RobustStatistics
{
    public static double Median(IEnumerable<double> samples)
    {
        var sorted = Sorted(samples);
        var n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>The median, or null when there are no samples.</summary>
    public static double? MedianOrNull(IEnumerable<double> samples)
    {
        var list = samples.ToList();
        return list.Count == 0 ? null : Median(list);
    }

    /// <summary>
    /// The mean of the middle half (25th to 75th percentile) — as robust as the median against the disturbed tail, and
    /// finer than it when samples are whole microseconds (ONNX Runtime's kernel timings).
    /// </summary>
    public static double InterquartileMean(IEnumerable<double> samples)
    {
        var sorted = Sorted(samples);
        var n = sorted.Length;
        if (n < 4) return Median(sorted);
        var from = n / 4;
        var to = n - n / 4;
        double sum = 0;
        for (var i = from; i < to; i++) sum += sorted[i];
        return sum / (to - from);
    }

    private static double[] Sorted(IEnumerable<double> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var sorted = samples.Order().ToArray();
        if (sorted.Length == 0) throw new ArgumentException("a statistic needs at least one sample", nameof(samples));
        if (sorted.Any(s => !double.IsFinite(s))) throw new ArgumentException("samples must be finite", nameof(samples));
        return sorted;
    }
}
