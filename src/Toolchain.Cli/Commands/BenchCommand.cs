using System.CommandLine;
using Toolchain.Cli.Ui;
using Toolchain.Pipeline;
using Toolchain.Runtime;

namespace Toolchain.Cli.Commands;

/// <summary>
/// <c>toolchain bench MODEL --engine … --batch N</c>: the command-line face of <see cref="BenchJob"/> — deployed-engine latency
/// the way onnxruntime_perf_test and trtexec report it. With <c>--device URL</c> the model is measured by the device agent
/// there (<c>toolchain serve</c>) instead: exported to ONNX here, uploaded, measured there, and shown as a local result is,
/// marked with that device's fingerprint — with a parity check (unless --no-parity): the measured session there runs the
/// model once on a seeded input, and its outputs are compared with ONNX Runtime's CPU engine here on the same input.
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
        var device = new DeviceOptions("Measure");
        var noParity = new Option<bool>("--no-parity") { Description = "With --device: skip the parity check (the device's outputs against ONNX Runtime here on a seeded input)" };
        var json = CommandOptions.Json();
        var command = new Command("bench", "Measure a deployed engine's latency percentiles and throughput, here or on a device agent (--device)")
        {
            model, engine, batch, warmup, iterations, duration, threads, inputShape, perNode, noParity, json,
        };
        device.AddTo(command);
        command.SetAction((parse, cancellation) => Task.FromResult(CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), cancellation,
            () => parse.GetValue(device.Device) is null ? "the measurement was not finished (bench writes no files)" : "the job on the device was cancelled (bench writes no files)",
            ui =>
            {
                var request = new BenchRequest
                {
                    Model = parse.GetValue(model)!, Engine = parse.GetValue(engine)!, Batch = parse.GetValue(batch), Warmup = parse.GetValue(warmup),
                    Iterations = parse.GetValue(iterations), DurationSeconds = parse.GetValue(duration), Threads = parse.GetValue(threads),
                    InputShape = CommandOptions.ParseShape(parse.GetValue(inputShape)), PerNode = parse.GetValue(perNode),
                };
                using var remote = device.Open(parse);
                if (remote is not null) ui.Info(remote.Describe());
                if (remote is null && parse.GetValue(noParity)) throw new ArgumentException("--no-parity is for --device: a local bench runs no parity check");
                var result = remote is not null ? remote.Bench(request, !parse.GetValue(noParity), new Observer(ui), cancellation) : BenchJob.Run(request, new Observer(ui), cancellation);
                Show(ui, result);
                return ExitCodes.Success;
            })));
        return command;
    }

    private static void Show(IConsoleUi ui, BenchResult result)
    {
        var (record, report) = (result.Benchmark, result.Benchmark.Report);
        ui.Table(record.Agent is null ? $"{record.Model} on {report.Engine}" : $"{record.Model} on {report.Engine} at {record.Agent}", ["metric", "value"],
        [
            ["device", record.Device.ToString()],
            ["input", $"[{string.Join("×", record.Input)}]"],
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
            .. record.Parity is { } parity
                ? new[] { new[] { $"parity vs {parity.Reference}", $"max |Δ| {parity.MaxAbsDiff:G3} (outputs up to {parity.OutputScale:G3}; {parity.Input})" } }
                : [],
        ]);
        ui.Json(record);
        if (result.Nodes is { } nodes) ShowNodes(ui, nodes);
    }

    /// <summary>Every node's mean time per run, slowest first, with its share of the nodes' total.</summary>
    private static void ShowNodes(IConsoleUi ui, NodesRecord record)
    {
        var slowest = record.Nodes;
        var total = slowest.Sum(t => t.MeanMicroseconds);
        ui.Table($"per node (ONNX Runtime profiler, {record.Runs} runs)", ["node", "op", "mean µs", "share"],
            slowest.Take(25).Select(t => (IReadOnlyList<string>)[t.NodeName, t.OpType, t.MeanMicroseconds.ToString("F1"), (t.MeanMicroseconds / total).ToString("P1")]));
        if (slowest.Count > 25) ui.Info($"… and {slowest.Count - 25} faster nodes ({slowest.Skip(25).Sum(t => t.MeanMicroseconds) / total:P1} of the time); --json lists all");
        ui.Json(record);
    }

    private sealed class Observer(IConsoleUi ui) : IJobObserver
    {
        public void Info(string message) => ui.Info(message);

        public T WithProgress<T>(string title, Func<IProgressBar, T> work) => ui.WithProgress(title, work);
    }
}
