using System.CommandLine;
using Toolchain.Cli.Ui;
using Toolchain.Pipeline;
using Toolchain.Runtime;

namespace Toolchain.Cli.Commands;

/// <summary>
/// <c>toolchain bench MODEL --engine … --batch N</c>: deployed-engine latency the way onnxruntime_perf_test and
/// trtexec report it — session creation, first run, then percentiles over timed runs after a warm-up.
/// </summary>
public sealed class BenchCommand(UiFactory uiFactory) : ICliCommand
{
    public Command Build()
    {
        var model = new Argument<string>("model") { Description = "Zoo name, graph file, checkpoint or .onnx file" };
        var engine = new Option<string>("--engine") { Description = EngineFactory.Description, DefaultValueFactory = _ => Engines.OrtCpu.Name };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 1 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs before measuring", DefaultValueFactory = _ => 10 };
        var iterations = new Option<int?>("--iterations") { Description = "Timed runs (default 100 unless --duration is given)" };
        var duration = new Option<double?>("--duration") { Description = "Measure for this many seconds instead of a run count" };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads for ONNX Runtime (0: its default)" };
        var inputShape = CommandOptions.InputShape();
        var perNode = new Option<bool>("--per-node") { Description = "Also time every node with ONNX Runtime's profiler (ort engines)" };
        var json = CommandOptions.Json();
        var command = new Command("bench", "Measure a deployed engine's latency percentiles and throughput")
        {
            model, engine, batch, warmup, iterations, duration, threads, inputShape, perNode, json,
        };
        command.SetAction((parse, cancellation) => Task.FromResult(CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), cancellation,
            () => "the measurement was not finished (bench writes no files)", ui => Bench(ui, parse.GetValue(model)!,
            parse.GetValue(engine)!, parse.GetValue(batch), parse.GetValue(warmup), parse.GetValue(iterations), parse.GetValue(duration),
            parse.GetValue(threads), CommandOptions.ParseShape(parse.GetValue(inputShape)), parse.GetValue(perNode), cancellation))));
        return command;
    }

    private static int Bench(IConsoleUi ui, string model, string engineName, int batch, int warmup, int? iterations, double? seconds, int threads, long[]? inputShape, bool perNode,
        CancellationToken cancellation)
    {
        if (batch < 1) throw new ArgumentException($"--batch must be at least 1 (got {batch})");
        if (warmup < 0) throw new ArgumentException($"--warmup cannot be negative (got {warmup})");
        if (iterations is < 1) throw new ArgumentException($"--iterations must be at least 1 (got {iterations})");
        if (seconds is <= 0) throw new ArgumentException($"--duration must be positive (got {seconds})");
        if (iterations is not null && seconds is not null) throw new ArgumentException("give --iterations or --duration, not both");
        if (perNode && EngineFactory.Validate(engineName).Backend != EngineBackend.OnnxRuntime) throw new ArgumentException($"--per-node needs an ONNX Runtime engine ({string.Join(", ", Engines.Deployable.Where(e => e.Backend == EngineBackend.OnnxRuntime))})");

        var create = EngineFactory.Creator(engineName, model, threads, inputShape);
        // The input shape comes from the engine itself; a probe engine is created once outside the timed creation.
        long[] shape;
        using (var probe = create()) shape = EngineFactory.InputShape(probe, batch, inputShape);
        var input = new HostTensor(shape, OnnxOutput.RandomInput(shape));
        var options = seconds is { } s
            ? new BenchmarkOptions(warmup, null, TimeSpan.FromSeconds(s))
            : new BenchmarkOptions(warmup, iterations ?? 100);
        var report = ui.WithProgress($"benchmarking {engineName}", bar =>
            EngineBenchmark.Run(create, input, options, new SyncProgress<double>(f => bar.Update($"benchmarking {engineName}", f, 1)), cancellation));

        ui.Table($"{model} on {report.Engine}", ["metric", "value"],
        [
            ["input", $"[{string.Join("×", shape)}]"],
            ["session creation", $"{report.SessionCreationMs:F1} ms"],
            ["first run", $"{report.FirstRunMs:F2} ms"],
            ["timed runs", report.Iterations.ToString("N0")],
            ["mean ± sd", $"{report.MeanMs:F3} ± {report.StdDevMs:F3} ms"],
            ["min", $"{report.MinMs:F3} ms"],
            ["p50", $"{report.P50Ms:F3} ms"],
            ["p90", $"{report.P90Ms:F3} ms"],
            ["p95", $"{report.P95Ms:F3} ms"],
            ["p99", $"{report.P99Ms:F3} ms"],
            ["max", $"{report.MaxMs:F3} ms"],
            ["throughput", $"{report.ThroughputPerSecond:F1} samples/s"],
        ]);
        ui.Json(new { type = "benchmark", model, report });
        if (perNode) PerNode(ui, EngineFactory.Creator(engineName, model, threads, inputShape, profileNodes: true), input, warmup, iterations ?? 100, cancellation);
        return ExitCodes.Success;
    }

    /// <summary>
    /// A separate, profiled session (profiling costs time, so it never runs inside the measured one): every node's
    /// mean time per run from ONNX Runtime's trace, slowest first, with its share of the nodes' total.
    /// </summary>
    private static void PerNode(IConsoleUi ui, Func<IInferenceEngine> create, HostTensor input, int warmup, int runs, CancellationToken cancellation)
    {
        IReadOnlyList<NodeTiming> timings;
        using (var engine = (OrtEngine)create())
        {
            for (var i = 0; i < warmup + runs; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                engine.Run([input]);
            }

            timings = engine.EndProfiling();
        }

        var total = timings.Sum(t => t.MeanMicroseconds);
        var slowest = timings.OrderByDescending(t => t.MeanMicroseconds).ToList();
        ui.Table($"per node (ONNX Runtime profiler, {warmup + runs} runs)", ["node", "op", "mean µs", "share"],
            slowest.Take(25).Select(t => (IReadOnlyList<string>)[t.NodeName, t.OpType, t.MeanMicroseconds.ToString("F1"), (t.MeanMicroseconds / total).ToString("P1")]));
        if (slowest.Count > 25) ui.Info($"… and {slowest.Count - 25} faster nodes ({slowest.Skip(25).Sum(t => t.MeanMicroseconds) / total:P1} of the time); --json lists all");
        ui.Json(new { type = "nodes", runs = warmup + runs, nodes = slowest });
    }
}
