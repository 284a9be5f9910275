using System.Diagnostics;
using Toolchain.Runtime;

namespace Toolchain.Profiling;

/// <summary>
/// How whole models are measured: rounds of <paramref name="Warmup"/> then <paramref name="Runs"/> timed runs per model,
/// at least <paramref name="MinRounds"/> rounds and for at least <paramref name="MinSeconds"/>; the statistic is the
/// <paramref name="Percentile"/>-th percentile of all timed runs.
/// </summary>
public sealed record ModelMeasurement(int MinRounds = 10, int Runs = 10, int Warmup = 2, double MinSeconds = 15, double Percentile = 10)
{
    public string Statistic => $"{Percentile:0.#}th percentile of the wall time per run over at least {MinSeconds:0.#} s, rounds interleaved across models";

    internal void Validate()
    {
        if (MinRounds < 1) throw new ArgumentOutOfRangeException(nameof(MinRounds), MinRounds, "at least one round");
        if (Runs < 1) throw new ArgumentOutOfRangeException(nameof(Runs), Runs, "at least one timed run per round");
        if (Warmup < 0) throw new ArgumentOutOfRangeException(nameof(Warmup), Warmup, "warm-up runs cannot be negative");
        if (!(MinSeconds >= 0)) throw new ArgumentOutOfRangeException(nameof(MinSeconds), MinSeconds, "cannot be negative");
        if (!(Percentile >= 0 && Percentile <= 100)) throw new ArgumentOutOfRangeException(nameof(Percentile), Percentile, "a percentile lies in [0, 100]");
    }
}

/// <summary>
/// Measures deployed models' latencies. The machine's speed drifts for tenths of seconds to seconds at a time (other
/// tenants of the host): the models take turns round by round for several seconds, so every model sees the same
/// drift, and a low percentile of all runs is each model's latency while the machine is at its best — the state the
/// profile's tables describe too (see <see cref="ProfilerOptions.Passes"/>).
/// </summary>
public static class ModelLatency
{
    /// <summary>
    /// Every timed run of each engine on its input (ms), in order, the engines taking turns round by round. A cancelled
    /// <paramref name="cancellation"/> stops it between rounds with <see cref="OperationCanceledException"/> (a partial
    /// measurement would favour whichever model ran last).
    /// </summary>
    public static LatencyStatistics[] MeasureRuns(IReadOnlyList<IInferenceEngine> engines, IReadOnlyList<HostTensor> inputs, ModelMeasurement options, IProgress<double>? progress = null,
        CancellationToken cancellation = default) =>
        MeasureSeries(engines, inputs, options, progress, cancellation).Select(s => new LatencyStatistics(s)).ToArray();

    /// <summary>
    /// As <see cref="MeasureRuns"/>, each engine's timed runs (ms) in the order they ran: how the machine's speed moved
    /// during the measurement (<see cref="SpeedDrift"/>).
    /// </summary>
    public static IReadOnlyList<double>[] MeasureSeries(IReadOnlyList<IInferenceEngine> engines, IReadOnlyList<HostTensor> inputs, ModelMeasurement options, IProgress<double>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(engines);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (engines.Count != inputs.Count) throw new ArgumentException($"{engines.Count} engines but {inputs.Count} inputs");

        var samples = engines.Select(_ => new List<double>()).ToArray();
        // Each engine keeps its native input and output tensors from run to run: a timed run is the model alone.
        var prepared = new List<IPreparedRun>(engines.Count);
        try
        {
            for (var m = 0; m < engines.Count; m++) prepared.Add(engines[m].Prepare([inputs[m]]));
            var clock = Stopwatch.StartNew();
            for (var round = 0; round < options.MinRounds || clock.Elapsed.TotalSeconds < options.MinSeconds; round++)
            {
                cancellation.ThrowIfCancellationRequested();
                for (var m = 0; m < engines.Count; m++)
                {
                    var run = prepared[m];
                    for (var i = 0; i < options.Warmup; i++) run.Run();
                    for (var i = 0; i < options.Runs; i++)
                    {
                        var start = Stopwatch.GetTimestamp();
                        run.Run();
                        samples[m].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }
                }

                var done = Math.Min((round + 1.0) / options.MinRounds, options.MinSeconds > 0 ? clock.Elapsed.TotalSeconds / options.MinSeconds : 1);
                progress?.Report(Math.Min(1, done));
            }
        }
        finally
        {
            foreach (var run in prepared) run.Dispose();
        }

        return samples.Select(s => (IReadOnlyList<double>)s).ToArray();
    }
}

/// <summary>
/// How the machine's speed moved during one measurement: the percentile of a model's timed runs in the first half of
/// the measurement and in the second (ms). The models take turns, so a drift moves them all; the speed probe's series
/// shows it without the models' own differences. A large change means the host changed state mid-measurement, and
/// errors computed from that measurement are partly the host's.
/// </summary>
public sealed record SpeedDrift(double FirstHalfMs, double SecondHalfMs)
{
    /// <summary>(second half − first half) / first half, in percent: &gt; 0 when the machine slowed down.</summary>
    public double ChangePercent => (SecondHalfMs - FirstHalfMs) / FirstHalfMs * 100;

    /// <summary>
    /// The drift of a series of timed runs in the order they ran, at the measurement's percentile; null for fewer than
    /// two runs (no halves to compare).
    /// </summary>
    public static SpeedDrift? Of(IReadOnlyList<double> series, double percentile)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count < 2) return null;
        var half = series.Count / 2;
        return new SpeedDrift(new LatencyStatistics(series.Take(half).ToArray()).Percentile(percentile),
            new LatencyStatistics(series.Skip(half).ToArray()).Percentile(percentile));
    }
}
