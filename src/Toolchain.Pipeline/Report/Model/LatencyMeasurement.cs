using Toolchain.Runtime;

namespace Toolchain.Pipeline.Report;

/// <summary>
/// One model's measured latency on one engine (ms; nearest-rank percentiles as <see cref="LatencyStatistics"/> computes
/// them), the throughput, every recorded sample (for the histogram and for anyone who wants other statistics), and
/// what the profile predicted.
/// </summary>
/// <param name="P50Ms">Median latency.</param>
/// <param name="P90Ms">90th percentile.</param>
/// <param name="P99Ms">99th percentile.</param>
/// <param name="MeanMs">Mean latency.</param>
/// <param name="ThroughputPerSecond">Samples (images) per second: batch · iterations / wall time of the timed loop.</param>
/// <param name="SamplesMs">Every timed iteration's latency, in the order measured.</param>
/// <param name="PredictedMs">The profile's prediction for this model, engine and batch; null without a profile.</param>
public sealed record LatencyMeasurement(double P50Ms, double P90Ms, double P99Ms, double MeanMs, double ThroughputPerSecond, IReadOnlyList<double> SamplesMs, double? PredictedMs)
{
    /// <summary>The statistics of <paramref name="samplesMs"/>, with the throughput of the timed loop that recorded them.</summary>
    public static LatencyMeasurement From(IReadOnlyList<double> samplesMs, double throughputPerSecond, double? predictedMs)
    {
        var stats = new LatencyStatistics(samplesMs);
        return new LatencyMeasurement(stats.Percentile(50), stats.Percentile(90), stats.Percentile(99), stats.Mean, throughputPerSecond, samplesMs, predictedMs);
    }
}
