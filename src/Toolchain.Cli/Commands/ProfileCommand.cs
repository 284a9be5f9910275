using System.CommandLine;
using System.Globalization;
using Toolchain.Cli.Ui;
using Toolchain.Pipeline;
using Toolchain.Profiling;
using Toolchain.Runtime;

namespace Toolchain.Cli.Commands;

/// <summary>
/// <c>toolchain profile MODEL… --engine ort-cpu --batch 1 [--out P]</c>: the command-line face of <see cref="ProfileJob"/> — measures,
/// on this machine and engine, how each layer configuration of the models depends on its widths, and saves (or extends) a
/// latency profile; shows each model's tables as it is saved.
/// </summary>
public sealed class ProfileCommand(UiFactory uiFactory) : ICliCommand
{
    public Command Build()
    {
        var models = new Argument<string[]>("model") { Description = "Zoo names, graph files, checkpoints or .onnx files", Arity = ArgumentArity.OneOrMore };
        var engine = new Option<string>("--engine") { Description = $"Engine to profile: {Engines.Describe(Engines.Profilable)}", DefaultValueFactory = _ => Engines.OrtCpu.Name };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--out", "-o") { Description = "Profile to write or extend (default: profiles/ENGINE-NcoreS-bBATCH.json; with --device profiles/devices/HOST/ENGINE-NcoreS-bBATCH.json)" };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads, as deployed (0: one per core)" };
        var runs = new Option<int>("--runs") { Description = "Timed runs per sample", DefaultValueFactory = _ => new ProfilerOptions().Runs };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs per sample", DefaultValueFactory = _ => new ProfilerOptions().Warmup };
        var gridStep = new Option<int>("--grid-step") { Description = "Initial samples: both extremes and multiples of this width", DefaultValueFactory = _ => new ProfilerOptions().GridStep };
        var maxPoints = new Option<int>("--max-points") { Description = "At most this many initial samples per axis", DefaultValueFactory = _ => new ProfilerOptions().MaxInitialPoints };
        var noRefine = new Option<bool>("--no-refine") { Description = "Do not add samples where the latency curve steps" };
        var calibration = new Option<int>("--calibration-samples") { Description = "Random width assignments measured whole for the calibration", DefaultValueFactory = _ => new ProfilerOptions().CalibrationSamples };
        var calibrationSeconds = new Option<double>("--calibration-seconds") { Description = "Measure the calibration models for at least this long (the machine's best state is kept)", DefaultValueFactory = _ => new ModelMeasurement().MinSeconds };
        var replace = new Option<bool>("--replace") { Description = "Start the profile anew instead of extending an existing file" };
        var device = new DeviceOptions("Profile");
        var json = CommandOptions.Json();
        var command = new Command("profile", "Measure per-layer latency tables of this device (or of a device agent's, --device) and save them as a latency profile")
        {
            models, engine, batch, output, threads, runs, warmup, gridStep, maxPoints, noRefine, calibration, calibrationSeconds, replace, json,
        };
        device.AddTo(command);
        command.SetAction((parse, cancellation) => Task.FromResult(CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), cancellation,
            () => "the profile file keeps every model finished before the interruption: run the same command again to measure the rest (it extends the file)",
            ui => Profile(ui, device.Open(parse), remote => new ProfileRequest
            {
                Device = remote,
                Models = parse.GetValue(models)!, Engine = parse.GetValue(engine)!, Batch = parse.GetValue(batch), Output = parse.GetValue(output),
                Threads = parse.GetValue(threads), Replace = parse.GetValue(replace),
                Options = new ProfilerOptions
                {
                    Runs = parse.GetValue(runs),
                    Warmup = parse.GetValue(warmup),
                    GridStep = parse.GetValue(gridStep),
                    MaxInitialPoints = parse.GetValue(maxPoints),
                    Refine = !parse.GetValue(noRefine),
                    CalibrationSamples = parse.GetValue(calibration),
                    Calibration = new ModelMeasurement { MinSeconds = parse.GetValue(calibrationSeconds) },
                },
            }, cancellation))));
        return command;
    }

    private static int Profile(IConsoleUi ui, Agent.Client.RemoteDevice? remote, Func<Agent.Client.RemoteDevice?, ProfileRequest> create, CancellationToken cancellation)
    {
        using var device = remote;
        if (device is not null) ui.Info(device.Describe());
        var request = create(device);
        var (path, profile, results) = ProfileJob.Run(request, new Observer(ui), cancellation);
        ui.Info($"profile written to {path}: {profile.Layers.Count} configurations, {profile.Calibrations.Count} calibrated model(s); {profile.Device}");
        ui.Json(new
        {
            type = "profile",
            path,
            device = profile.Device,
            agent = request.Device?.Address.ToString().TrimEnd('/'),
            deployment = profile.Deployment.Describe(),
            configurations = profile.Layers.Count,
            models = results.Select(r => new
            {
                model = r.Model,
                r.Layers,
                measured = r.Configurations.Count(c => !c.Reused),
                reused = r.Configurations.Count(c => c.Reused),
                r.Samples,
                r.Seconds,
                calibration = r.Calibration,
            }),
        });
        return ExitCodes.Success;
    }

    /// <summary>The job's lines and progress on the console, and each model's tables as soon as it is saved.</summary>
    private sealed class Observer(IConsoleUi ui) : IProfileObserver
    {
        public void Info(string message) => ui.Info(message);

        public T WithProgress<T>(string title, Func<IProgressBar, T> work) => ui.WithProgress(title, work);

        public void Profiled(ProfileResult result) => Report(ui, result);
    }

    private static void Report(IConsoleUi ui, ProfileResult result)
    {
        ui.Table($"{result.Model}: {result.Layers} layers, {result.Configurations.Count} configurations ({result.Seconds:F1} s)",
            ["configuration", "samples", "lattice", "seconds"],
            result.Configurations.Select(c => (IReadOnlyList<string>)
            [
                c.Key,
                c.Reused ? "reused" : c.Samples.ToString(CultureInfo.InvariantCulture),
                string.Join(" × ", c.Axes.Select(a => a.Length)),
                c.Reused ? "" : c.Seconds.ToString("F1", CultureInfo.InvariantCulture),
            ]));
        var cal = result.Calibration;
        ui.Table($"{result.Model}: calibration (scale {cal.Scale:F3}, offset {cal.OffsetMs:F3} ms, {cal.PerKernelMs * 1000:F2} µs per kernel)",
            ["model", "measured ms", "layers ms", "kernels", "calibrated ms", "error"],
            cal.Points.Select(p =>
            {
                var calibrated = cal.Apply(p.LayersMs, p.Kernels);
                return (IReadOnlyList<string>)
                [
                    p.Label, $"{p.MeasuredMs:F3}", $"{p.LayersMs:F3}", p.Kernels.ToString(CultureInfo.InvariantCulture), $"{calibrated:F3}",
                    $"{(calibrated - p.MeasuredMs) / p.MeasuredMs:+0.0%;-0.0%}",
                ];
            }));
    }
}
