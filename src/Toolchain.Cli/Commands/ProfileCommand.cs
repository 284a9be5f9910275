using System.CommandLine;
using System.Globalization;
using Toolchain.Cli.Ui;
using Toolchain.Pipeline;
using Toolchain.Profiling;

namespace Toolchain.Cli.Commands;

/// <summary>
/// <c>toolchain profile MODEL… --engine ort-cpu --batch 1 [--out P]</c>: measures, on this machine and engine, how each
/// layer configuration of the models depends on its widths, and saves (or extends) a latency profile.
/// </summary>
public sealed class ProfileCommand(UiFactory uiFactory) : ICliCommand
{
    public Command Build()
    {
        var models = new Argument<string[]>("model") { Description = "Zoo names, graph files, checkpoints or .onnx files", Arity = ArgumentArity.OneOrMore };
        var engine = new Option<string>("--engine") { Description = $"Engine to profile: {string.Join(", ", ProfileEngines.Names)}", DefaultValueFactory = _ => "ort-cpu" };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--out", "-o") { Description = "Profile to write or extend (default: profiles/ENGINE-NcoreS-bBATCH.json)" };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads, as deployed (0: one per core)" };
        var runs = new Option<int>("--runs") { Description = "Timed runs per sample", DefaultValueFactory = _ => new ProfilerOptions().Runs };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs per sample", DefaultValueFactory = _ => new ProfilerOptions().Warmup };
        var gridStep = new Option<int>("--grid-step") { Description = "Initial samples: both extremes and multiples of this width", DefaultValueFactory = _ => new ProfilerOptions().GridStep };
        var maxPoints = new Option<int>("--max-points") { Description = "At most this many initial samples per axis", DefaultValueFactory = _ => new ProfilerOptions().MaxInitialPoints };
        var noRefine = new Option<bool>("--no-refine") { Description = "Do not add samples where the latency curve steps" };
        var calibration = new Option<int>("--calibration-samples") { Description = "Random width assignments measured whole for the calibration", DefaultValueFactory = _ => new ProfilerOptions().CalibrationSamples };
        var calibrationSeconds = new Option<double>("--calibration-seconds") { Description = "Measure the calibration models for at least this long (the machine's best state is kept)", DefaultValueFactory = _ => new ModelMeasurement().MinSeconds };
        var replace = new Option<bool>("--replace") { Description = "Start the profile anew instead of extending an existing file" };
        var json = CommandOptions.Json();
        var command = new Command("profile", "Measure per-layer latency tables of this device and save them as a latency profile")
        {
            models, engine, batch, output, threads, runs, warmup, gridStep, maxPoints, noRefine, calibration, calibrationSeconds, replace, json,
        };
        command.SetAction(parse => CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), ui => Profile(ui, parse.GetValue(models)!, parse.GetValue(engine)!,
            parse.GetValue(batch), parse.GetValue(output), parse.GetValue(threads), new ProfilerOptions
            {
                Runs = parse.GetValue(runs),
                Warmup = parse.GetValue(warmup),
                GridStep = parse.GetValue(gridStep),
                MaxInitialPoints = parse.GetValue(maxPoints),
                Refine = !parse.GetValue(noRefine),
                CalibrationSamples = parse.GetValue(calibration),
                Calibration = new ModelMeasurement { MinSeconds = parse.GetValue(calibrationSeconds) },
            }, parse.GetValue(replace))));
        return command;
    }

    private static int Profile(IConsoleUi ui, string[] models, string engineName, int batch, string? output, int threads, ProfilerOptions options, bool replace)
    {
        if (batch < 1) throw new ArgumentException($"--batch must be at least 1 (got {batch})");
        if (options.Runs < 1) throw new ArgumentException($"--runs must be at least 1 (got {options.Runs})");
        if (options.Warmup < 0) throw new ArgumentException($"--warmup cannot be negative (got {options.Warmup})");
        if (options.GridStep < 1) throw new ArgumentException($"--grid-step must be at least 1 (got {options.GridStep})");
        if (options.MaxInitialPoints < 2) throw new ArgumentException($"--max-points must be at least 2 (got {options.MaxInitialPoints})");
        if (options.CalibrationSamples < 0) throw new ArgumentException($"--calibration-samples cannot be negative (got {options.CalibrationSamples})");
        if (threads < 0) throw new ArgumentException($"--threads cannot be negative (got {threads})");
        if (!(options.Calibration.MinSeconds >= 0)) throw new ArgumentException($"--calibration-seconds cannot be negative (got {options.Calibration.MinSeconds})");

        var engine = ProfileEngines.Create(engineName, threads);
        var profiler = new Profiler(engine, batch, options);
        var path = output ?? ProfileLocator.DefaultOutput(engine.Name, batch);
        var profile = OpenOrCreate(ui, profiler, engine, batch, path, replace);

        // Open every model first: a typo in the last one should not cost the measurements of the first.
        foreach (var model in models) ModelResolver.Open(model).Dispose();

        var results = new List<ProfileResult>();
        foreach (var model in models)
        {
            var result = ui.WithProgress($"profiling {model}", bar => profiler.Profile(profile, () => ModelResolver.Open(model),
                new SyncProgress<ProfilerProgress>(p => bar.Update($"{model}: {p.Stage} {p.Detail}", p.Done, p.Total))));
            results.Add(result);
            // Saved after every model, so an interrupted run keeps what was measured.
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            profile.Save(path);
            Report(ui, result);
        }

        // A later model may have re-measured a table an earlier one shares: store every fit against the final tables.
        foreach (var model in models.SkipLast(1))
        {
            using var graph = ModelResolver.Open(model);
            Profiler.RefitCalibration(profile, graph);
        }

        if (models.Length > 1) profile.Save(path);

        ui.Info($"profile written to {path}: {profile.Layers.Count} configurations, {profile.Calibrations.Count} calibrated model(s); {profile.Device}");
        ui.Json(new
        {
            type = "profile",
            path,
            device = profile.Device,
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

    private static LatencyProfile OpenOrCreate(IConsoleUi ui, Profiler profiler, ProfileEngine engine, int batch, string path, bool replace)
    {
        if (replace || !File.Exists(path)) return profiler.NewProfile();
        var existing = LatencyProfile.Load(path);
        var here = engine.Fingerprint(batch);
        var differences = existing.Device.Differences(here).ToList();
        if (existing.Device.Batch != batch) differences.Add($"batch: profile {existing.Device.Batch}, here {batch}");
        if (existing.Deployment != engine.Deployment) differences.Add($"deployment: profile '{existing.Deployment.Describe()}', here '{engine.Deployment.Describe()}'");
        if (differences.Count > 0)
        {
            throw new ArgumentException(
                $"'{path}' was measured on another device or setting ({string.Join("; ", differences)}); mixing measurements would make it wrong. " +
                "Choose another --out, or pass --replace to measure it anew");
        }

        ui.Info($"extending {path} ({existing.Layers.Count} configurations, {existing.Calibrations.Count} calibrated model(s))");
        return existing;
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
