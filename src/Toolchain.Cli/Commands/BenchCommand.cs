using System.CommandLine;
using Toolchain.Agent.Api;
using Toolchain.Agent.Client;
using Toolchain.Agent.Security;
using Toolchain.Cli.Ui;
using Toolchain.Onnx;
using Toolchain.Pipeline;
using Toolchain.Runtime;

namespace Toolchain.Cli.Commands;

/// <summary>
/// <c>toolchain bench MODEL --engine … --batch N</c>: the command-line face of <see cref="BenchJob"/> — deployed-engine latency
/// the way onnxruntime_perf_test and trtexec report it. With <c>--device URL</c> the model is measured by the device agent
/// there (<c>toolchain serve</c>) instead: exported to ONNX here, uploaded, measured there, and shown as a local result is,
/// marked with that device's fingerprint.
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
        var device = new Option<string?>("--device") { Description = "Measure on the device agent at this address (toolchain serve there), e.g. http://edge-01:5117" };
        var tokenFile = new Option<string?>("--token-file") { Description = "With --device: the file holding the agent's token" };
        var json = CommandOptions.Json();
        var command = new Command("bench", "Measure a deployed engine's latency percentiles and throughput, here or on a device agent (--device)")
        {
            model, engine, batch, warmup, iterations, duration, threads, inputShape, perNode, device, tokenFile, json,
        };
        command.SetAction((parse, cancellation) => Task.FromResult(CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), cancellation,
            () => parse.GetValue(device) is null ? "the measurement was not finished (bench writes no files)" : "the job on the device was cancelled (bench writes no files)",
            ui =>
            {
                var request = new BenchRequest
                {
                    Model = parse.GetValue(model)!, Engine = parse.GetValue(engine)!, Batch = parse.GetValue(batch), Warmup = parse.GetValue(warmup),
                    Iterations = parse.GetValue(iterations), DurationSeconds = parse.GetValue(duration), Threads = parse.GetValue(threads),
                    InputShape = CommandOptions.ParseShape(parse.GetValue(inputShape)), PerNode = parse.GetValue(perNode),
                };
                var result = parse.GetValue(device) is { } url
                    ? Remote(ui, request, url, parse.GetValue(tokenFile), cancellation)
                    : BenchJob.Run(request, new Observer(ui), cancellation);
                Show(ui, result);
                return ExitCodes.Success;
            })));
        return command;
    }

    /// <summary>
    /// The same measurement on a device agent: the model goes as ONNX (a zoo model or checkpoint is exported here, with
    /// BatchNorm folded, exactly as a local ONNX Runtime bench exports it), the job is polled with a progress bar, and an
    /// interruption here cancels the job there.
    /// </summary>
    private static BenchResult Remote(IConsoleUi ui, BenchRequest request, string url, string? tokenFile, CancellationToken cancellation)
    {
        if (tokenFile is null) throw new ArgumentException("--device needs --token-file: the file with the agent's token (toolchain serve --new-token writes one)");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"--device '{url}' is not an http:// or https:// address (e.g. http://edge-01:5117)");
        }

        request.Validate(); // before the export and the upload: a bad setting costs nothing
        var token = AccessToken.ReadFile(tokenFile);
        var onnx = OnnxBytes(request);
        using var client = new AgentClient(address, token);
        var device = Wait(client.ConnectAsync(cancellation));
        ui.Info($"device {address}: {device.Host}, {device.Fingerprint.CpuModel}, {device.Fingerprint.Cores} cores{(device.Fingerprint.Gpu is { } gpu ? $", {gpu}" : "")}; toolchain {device.ToolVersion}");
        var settings = new BenchSettings
        {
            Name = request.Model, Engine = request.Engine, Batch = request.Batch, Warmup = request.Warmup, Iterations = request.Iterations,
            Duration = request.DurationSeconds, Threads = request.Threads, InputShape = request.InputShape is { } shape ? InputShapes.Format(shape) : null,
            PerNode = request.PerNode,
        };
        var job = Wait(client.SubmitBenchAsync(onnx, settings, cancellation));
        JobView final;
        try
        {
            final = ui.WithProgress(BenchJob.MeasuringTitle(request.Engine), bar => Wait(client.WaitAsync(job.Id, view =>
            {
                if (view.State == JobState.Queued) bar.Update($"queued on {device.Host} (position {view.Position})", 0, 1);
                else if (view.State == JobState.Running) bar.Update(view.Stage ?? BenchJob.MeasuringTitle(request.Engine), view.Progress, 1);
            }, cancellation)));
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Interrupted here: free the device for others instead of leaving the job to run out.
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                Wait(client.CancelAsync(job.Id, patience.Token));
            }
            catch (Exception e) when (e is AgentException or OperationCanceledException)
            {
                CliErrors.Notice(ui, $"could not cancel job {job.Id} on {address}: {e.Message}");
            }

            throw;
        }

        return new BenchResult(client.ResultOf(final) with { Agent = address.ToString().TrimEnd('/') }, final.Nodes);
    }

    /// <summary>The ONNX the agent receives: an .onnx file as it is, anything else exported as a local ONNX Runtime bench exports it.</summary>
    private static byte[] OnnxBytes(BenchRequest request)
    {
        if (EngineFactory.IsOnnxFile(request.Model))
        {
            if (!File.Exists(request.Model)) throw new FileNotFoundException($"model file '{request.Model}' does not exist", request.Model);
            return File.ReadAllBytes(request.Model);
        }

        using var graph = ModelResolver.Open(request.Model, inputShape: request.InputShape);
        return OnnxExporter.Export(graph, new OnnxExportOptions { FoldBatchNorm = true });
    }

    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

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
