using System.CommandLine;
using System.Globalization;
using Toolchain.Cli.Ui;
using Toolchain.Pipeline;

namespace Toolchain.Cli.Commands;

/// <summary>
/// <c>toolchain run [CONFIG]</c>: the whole pipeline (<see cref="PipelineRunner"/>) on a YAML configuration or the embedded
/// default, then the gates: exit 0 when all pass, <see cref="ExitCodes.GateFailed"/> when any fails, with junit.xml and
/// summary.md in the run folder for the build pipeline.
/// </summary>
public sealed class RunCommand(UiFactory uiFactory) : ICliCommand
{
    public Command Build()
    {
        var config = new Argument<string?>("config") { Description = "The pipeline's YAML configuration (default: the embedded one; see --print-default)", Arity = ArgumentArity.ZeroOrOne };
        var set = new Option<string[]>("--set")
        {
            Description = "Override a configuration key: --set section.key=value (the value is YAML: --set prune.budgets=[latency=40%,params=50%]); repeatable",
            AllowMultipleArgumentsPerToken = false,
        };
        var printDefault = new Option<bool>("--print-default") { Description = "Write the default configuration, commented, and exit (toolchain run --print-default > pipeline.yaml)" };
        var json = CommandOptions.Json();
        var command = new Command("run", "The pipeline: dense model → this device's latency profile → budgeted pruning → fine-tuning → compaction → ONNX export → " +
                                         "parity → benchmark of dense and pruned → gates and report. Exit 4 when a gate fails.")
        {
            config, set, printDefault, json,
        };
        command.SetAction((parse, cancellation) =>
        {
            if (parse.GetValue(printDefault))
            {
                Console.Out.Write(PipelineConfigLoader.DefaultYaml());
                return Task.FromResult(ExitCodes.Success);
            }

            return Task.FromResult(CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), cancellation,
                () => "finished stages and the last epoch checkpoint of an interrupted training or pruning stage are kept in the run folder: " +
                "run the same command again to continue where it stopped", ui =>
                Run(ui, parse.GetValue(config), PipelineConfigLoader.Load(parse.GetValue(config), parse.GetValue(set) ?? []), cancellation)));
        });
        return command;
    }

    private static int Run(IConsoleUi ui, string? configFile, PipelineConfig config, CancellationToken cancellation)
    {
        ui.Info($"Pipeline: {config.Model} on {config.Data} → {config.Prune.Method} under {string.Join(", ", config.Prune.Budgets)} on {config.Target.Engine} " +
                $"batch {config.Target.Batch}; run folder {config.Output}");
        // target.device: the one agent client the commands use, opened from the configuration's address, token file and CA.
        using var device = config.Target.Device is { } url ? Agent.Client.RemoteDevice.Open(url, config.Target.TokenFile, config.Target.CaCert) : null;
        if (device is not null) ui.Info(device.Describe());
        var result = PipelineRunner.Run(config, configFile, new ConsoleRunObserver(ui), cancellation, device);
        var files = PipelineOutputs.Write(result);
        Show(ui, result);
        ui.Info($"Written: {string.Join(", ", files)}");
        ui.Json(new { type = "run", passed = result.Passed, folder = result.Folder, gates = result.Gates, stages = result.Stages, prune = result.Prune, latency = result.Latency.Select(l => new { l.Batch, l.Engine, dense = Short(l.Dense), pruned = Short(l.Pruned), l.Speedup }) });
        if (result.Passed) return ExitCodes.Success;
        foreach (var gate in result.Gates.Where(g => !g.Passed)) ui.Error($"gate '{gate.Name}' failed: {gate.Message}");
        return ExitCodes.GateFailed;
    }

    private static object Short(LatencySummary s) => new { s.Runs, s.MeanMs, s.P50Ms, s.P90Ms, s.P99Ms, s.ThroughputPerSecond };

    private static void Show(IConsoleUi ui, PipelineResult r)
    {
        static string Pct(double? v) => v is { } x ? x.ToString("P2", CultureInfo.InvariantCulture) : "–";
        static string Ms(double? v) => v is { } x ? x.ToString("F3", CultureInfo.InvariantCulture) + " ms" : "–";
        var p = r.Prune;
        ui.Table("stages", ["stage", "status", "time"], r.Stages.Select(s => (IReadOnlyList<string>)[s.Name, s.Status, $"{s.Seconds:F0} s"]));
        var rows = new List<IReadOnlyList<string>>
        {
            new[] { "top-1", Pct(p.DenseTop1), Pct(p.PrunedTop1) },
            new[] { "top-1 before fine-tuning", "–", Pct(p.CutTop1) },
            new[] { "parameters", p.DenseParameters.ToString("N0"), p.PrunedParameters.ToString("N0") },
            new[] { "MACs", p.DenseMacs.ToString("N0"), p.PrunedMacs.ToString("N0") },
            new[] { "latency, predicted", Ms(p.DensePredictedMs), Ms(p.PrunedPredictedMs) },
        };
        foreach (var l in r.Latency)
        {
            rows.Add([$"latency p50 / p90 / p99, batch {l.Batch}", $"{l.Dense.P50Ms:F3} / {l.Dense.P90Ms:F3} / {l.Dense.P99Ms:F3} ms", $"{l.Pruned.P50Ms:F3} / {l.Pruned.P90Ms:F3} / {l.Pruned.P99Ms:F3} ms ({l.Speedup:F2}×)"]);
            rows.Add([$"throughput, batch {l.Batch}", $"{l.Dense.ThroughputPerSecond:F0} /s", $"{l.Pruned.ThroughputPerSecond:F0} /s"]);
        }

        ui.Table($"{p.Model}: dense vs pruned by {p.Method}", ["", "dense", "pruned"], rows);
        ui.Table("gates", ["gate", "result", "detail"], r.Gates.Select(g => (IReadOnlyList<string>)[g.Name, g.Passed ? "pass" : "FAIL", g.Message]));
        if (!r.TensorRt.Present) ui.Info(TensorRt.Describe(r.TensorRt) + ": no TensorRT engine was built");
    }
}
