namespace Toolchain.Runtime;

/// <summary>
/// One engine's measured performance: session creation and first run (each timed once), then latency statistics
/// over the recorded iterations (milliseconds, nearest-rank percentiles, see <see cref="LatencyStatistics"/>) and
/// throughput in samples per second (batch · iterations / wall time of the recorded loop).
/// </summary>
public sealed record BenchmarkReport(
    string Engine,
    long Batch,
    double SessionCreationMs,
    double FirstRunMs,
    int Iterations,
    double MeanMs,
    double StdDevMs,
    double MinMs,
    double P50Ms,
    double P90Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs,
    double ThroughputPerSecond);
