using System.Diagnostics;
using Toolchain.Runtime;

namespace Toolchain.Profiling;

/// <summary>How whole models are measured: rounds of warm-up then timed runs per model.</summary>
public sealed record ModelMeasurement(int Rounds = 5, int Runs = 40, int Warmup = 5)
{
    public const string Statistic = "lowest per-round median of wall time per run (rounds interleaved across models)";

    internal void Validate()
    {
        if (Rounds < 1) throw new ArgumentOutOfRangeException(nameof(Rounds), Rounds, "at least one round");
        if (Runs < 1) throw new ArgumentOutOfRangeException(nameof(Runs), Runs, "at least one timed run per round");
        if (Warmup < 0) throw new ArgumentOutOfRangeException(nameof(Warmup), Warmup, "warm-up runs cannot be negative");
    }
}

/// <summary>
/// Measures deployed models' latencies. The models take turns round by round, so a slow drift of the machine (other
/// processes, clock changes) touches all of them alike; each round's median drops the disturbed runs, and the lowest
/// round median drops the disturbed rounds.
/// </summary>
public static class ModelLatency
{
    /// <summary>Latency (ms) of each engine on its input, in order.</summary>
    public static double[] Measure(IReadOnlyList<IInferenceEngine> engines, IReadOnlyList<HostTensor> inputs, ModelMeasurement options, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(engines);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (engines.Count != inputs.Count) throw new ArgumentException($"{engines.Count} engines but {inputs.Count} inputs");

        var best = Enumerable.Repeat(double.PositiveInfinity, engines.Count).ToArray();
        var samples = new double[options.Runs];
        for (var round = 0; round < options.Rounds; round++)
        {
            for (var m = 0; m < engines.Count; m++)
            {
                IReadOnlyList<HostTensor> input = [inputs[m]];
                for (var i = 0; i < options.Warmup; i++) engines[m].Run(input);
                for (var i = 0; i < options.Runs; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    engines[m].Run(input);
                    samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }

                best[m] = Math.Min(best[m], RobustStatistics.Median(samples));
                progress?.Report((round * engines.Count + m + 1.0) / (options.Rounds * engines.Count));
            }
        }

        return best;
    }
}
