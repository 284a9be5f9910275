using System.Diagnostics;

namespace Toolchain.Runtime;

/// <summary>
/// Measures an engine the way onnxruntime_perf_test and trtexec do: the time to create it (session creation),
/// the first run (which includes lazy initialisation), unrecorded warm-up runs, then recorded runs.
/// </summary>
public static class EngineBenchmark
{
    /// <summary>
    /// Creates an engine with <paramref name="create"/> (timed as session creation), runs it on
    /// <paramref name="input"/> and disposes it. <paramref name="progress"/> receives the fraction of the recorded
    /// phase done (0…1). A cancelled <paramref name="cancellation"/> stops it between runs with
    /// <see cref="OperationCanceledException"/>. <paramref name="afterwards"/>, when given, is called with the measured engine
    /// once the recorded runs are done: a caller that needs outputs from the very session that was timed (a parity check)
    /// gets them without a second session and without touching the timing.
    /// </summary>
    public static BenchmarkReport Run(Func<IInferenceEngine> create, HostTensor input, BenchmarkOptions options, IProgress<double>? progress = null,
        CancellationToken cancellation = default, Action<IInferenceEngine>? afterwards = null)
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var clock = Stopwatch.StartNew();
        using var engine = create() ?? throw new ArgumentException("the engine factory returned null", nameof(create));
        var creationMs = clock.Elapsed.TotalMilliseconds;
        if (engine.Inputs.Count != 1)
        {
            throw new ArgumentException(
                $"{engine.Name}: the benchmark feeds one input, but the model takes {engine.Inputs.Count} ({string.Join(", ", engine.Inputs)})",
                nameof(create));
        }

        IReadOnlyList<HostTensor> inputs = [input];
        var start = Stopwatch.GetTimestamp();
        engine.Run(inputs);
        var firstRunMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        // Warm-up and recorded runs reuse the engine's native input and output tensors (IInferenceEngine.Prepare), as
        // onnxruntime_perf_test does: what is timed is the model, not tensor creation and output copies.
        using var prepared = engine.Prepare(inputs);
        for (var i = 0; i < options.Warmup; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            prepared.Run();
        }

        var samples = new List<double>(options.Iterations ?? 1024);
        var lastReported = -1.0;
        var loop = Stopwatch.StartNew();
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            samples.Add(Time(prepared));
            var done = Fraction(options, samples.Count, loop.Elapsed);
            if (done >= 1) break;
            if (progress is not null && done - lastReported >= 0.01)
            {
                progress.Report(done);
                lastReported = done;
            }
        }

        var totalSeconds = loop.Elapsed.TotalSeconds;
        progress?.Report(1);
        afterwards?.Invoke(engine);

        var stats = new LatencyStatistics(samples);
        var batch = input.Shape.Length > 0 ? input.Shape[0] : 1;
        return new BenchmarkReport(
            engine.Name, batch, creationMs, firstRunMs, stats.Count, stats.Mean, stats.StdDev, stats.Min,
            stats.Percentile(50), stats.Percentile(90), stats.Percentile(95), stats.Percentile(99), stats.Max,
            batch * stats.Count / totalSeconds);
    }

    /// <summary>How much of the recorded phase is done; ≥ 1 means stop. A duration, when set, decides alone.</summary>
    internal static double Fraction(BenchmarkOptions options, int count, TimeSpan elapsed) =>
        options.Duration is { } d ? elapsed / d : (double)count / options.Iterations!.Value;

    private static double Time(IPreparedRun run)
    {
        var start = Stopwatch.GetTimestamp();
        run.Run();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
