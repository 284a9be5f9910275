using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Toolchain.Cli.Ui;
using Toolchain.Pipeline;
using Toolchain.Profiling;
using Toolchain.Pruning;

namespace Toolchain.Cli.Commands;

/// <summary>
/// <c>toolchain predict MODEL [--profile P] [--ratio R] [--validate]</c>: the model's latency predicted from a latency
/// profile, per layer; with <c>--validate</c> the prediction is checked against the engine's measurement of real
/// compacted models at random widths.
/// </summary>
public sealed class PredictCommand(UiFactory uiFactory) : ICliCommand
{
    public Command Build()
    {
        var model = new Argument<string>("model") { Description = "Zoo name, graph file, checkpoint or .onnx file" };
        var profileOption = new Option<string?>("--profile", "-p") { Description = "Latency profile (default: the one in profiles/ for this engine, core count and batch)" };
        var engine = new Option<string>("--engine") { Description = $"Engine the profile describes: {string.Join(", ", ProfileEngines.Names)}", DefaultValueFactory = _ => "ort-cpu" };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 1 };
        var ratio = new Option<double>("--ratio") { Description = "Predict with this fraction of every prunable group's channels removed (uniform), in [0, 1)" };
        var roundTo = new Option<int>("--round-to") { Description = "With --ratio: keep widths that are multiples of this", DefaultValueFactory = _ => 1 };
        var validate = new Option<bool>("--validate") { Description = "Compact the model at random widths, measure each on the engine and compare with the prediction" };
        var samples = new Option<int>("--samples") { Description = "With --validate: random width assignments besides the dense model", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "With --validate: seed of the random widths", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "With --validate: intra-op threads (0: one per core)" };
        var seconds = new Option<double>("--measure-seconds") { Description = "With --validate: measure the models for at least this long (the machine's best state is kept)", DefaultValueFactory = _ => new ModelMeasurement().MinSeconds };
        var json = CommandOptions.Json();
        var command = new Command("predict", "Predict a model's latency at any widths from a latency profile (and check it with --validate)")
        {
            model, profileOption, engine, batch, ratio, roundTo, validate, samples, seed, threads, seconds, json,
        };
        command.SetAction(parse => CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), ui => Predict(ui, parse.GetValue(model)!, parse.GetValue(profileOption),
            parse.GetValue(engine)!, parse.GetValue(batch), parse.GetValue(ratio), parse.GetValue(roundTo), parse.GetValue(validate), parse.GetValue(samples),
            parse.GetValue(seed), parse.GetValue(threads), parse.GetValue(seconds))));
        return command;
    }

    private static int Predict(IConsoleUi ui, string modelName, string? profilePath, string engineName, int batch, double ratio, int roundTo,
        bool validate, int samples, int seed, int threads, double seconds)
    {
        if (!(seconds >= 0)) throw new ArgumentException($"--measure-seconds cannot be negative (got {seconds})");
        if (batch < 1) throw new ArgumentException($"--batch must be at least 1 (got {batch})");
        if (!(ratio >= 0 && ratio < 1)) throw new ArgumentException($"--ratio must lie in [0, 1) (got {ratio})");
        if (roundTo < 1) throw new ArgumentException($"--round-to must be at least 1 (got {roundTo})");
        if (samples < 0) throw new ArgumentException($"--samples cannot be negative (got {samples})");
        if (threads < 0) throw new ArgumentException($"--threads cannot be negative (got {threads})");
        if (!ProfileEngines.Names.Contains(engineName)) throw new ArgumentException($"unknown engine '{engineName}' (known: {string.Join(", ", ProfileEngines.Names)})");

        var path = profilePath ?? ProfileLocator.FindDefault(engineName, batch, out var searched)
            ?? throw new FileNotFoundException($"no latency profile for {engineName} at batch {batch} was found (looked for {searched}); " +
                                               $"measure one with 'toolchain profile {modelName} --engine {engineName} --batch {batch}' or pass --profile");
        var profile = LatencyProfile.Load(path);
        if (profile.Device.Engine != engineName || profile.Device.Batch != batch)
        {
            throw new ArgumentException($"'{path}' profiles {profile.Device.Engine} at batch {profile.Device.Batch}, not {engineName} at batch {batch}; " +
                                        "measure a profile for this setting with 'toolchain profile'");
        }

        var warnings = new List<string>();
        var engine = validate ? ProfileEngines.Create(engineName, threads) : null;
        var here = engine?.Fingerprint(batch) ?? CurrentFingerprint(engineName, threads, batch);
        var differences = profile.Device.Differences(here);
        if (differences.Count > 0)
        {
            warnings.Add($"'{path}' was measured on another device or engine ({string.Join("; ", differences)}); its predictions may not hold here");
        }

        using var graph = ModelResolver.Open(modelName);
        var groups = ChannelGroups.Discover(graph);
        var predictor = new LatencyPredictor(profile, groups);
        if (predictor.CalibrationSource != CalibrationSource.Measured) warnings.Add(predictor.CalibrationNote);
        foreach (var w in warnings) Warn(ui, w);

        var widths = ratio > 0
            ? groups.Groups.Select(g => g.Prunable ? UniformPruning.KeptWidth(g.Channels, ratio, roundTo) : g.Channels).ToArray()
            : groups.FullWidths();
        var prediction = predictor.Predict(widths);
        ui.Table($"{graph.Name}{(ratio > 0 ? $" with {ratio:0.###} of every prunable group removed" : "")}: predicted {prediction.TotalMs:F3} ms on {profile.Device.Engine} ({Path.GetFileName(path)})",
            ["layer", "runs as", "widths", "ms", "share"],
            prediction.Layers.Select(l => (IReadOnlyList<string>)
                [l.Name, l.Configuration, string.Join(" → ", l.Dims), l.Ms.ToString("F4", CultureInfo.InvariantCulture), Share(l.Ms, prediction.TotalMs)])
                .Append(["(calibration offset)", predictor.CalibrationNote, "", prediction.CalibrationMs.ToString("F4", CultureInfo.InvariantCulture), Share(prediction.CalibrationMs, prediction.TotalMs)])
                .Append(["total", $"{prediction.Kernels} kernels", "", prediction.TotalMs.ToString("F4", CultureInfo.InvariantCulture), "100.0%"]));

        ValidationReport? report = null;
        if (validate)
        {
            report = ui.WithProgress("measuring compacted models", bar => PredictionValidator.Validate(() => ModelResolver.Open(modelName), profile, engine!, batch,
                samples, seed, new ModelMeasurement { MinSeconds = seconds }, new SyncProgress<double>(f => bar.Update("measuring compacted models", f, 1))));
            ShowValidation(ui, graph.Name, batch, report);
        }

        ui.Json(new
        {
            type = "predict",
            model = graph.Name,
            profile = path,
            engine = profile.Device.Engine,
            batch,
            ratio,
            totalMs = prediction.TotalMs,
            calibrationMs = prediction.CalibrationMs,
            calibration = predictor.CalibrationSource.ToString(),
            kernels = prediction.Kernels,
            warnings,
            layers = prediction.Layers.Select(l => new { l.Name, configuration = l.Configuration, dims = l.Dims, ms = l.Ms, share = l.Ms / prediction.TotalMs }),
            validation = report is null ? null : new
            {
                meanAbsolutePercentageError = report.MeanAbsolutePercentageError,
                maxAbsolutePercentageError = report.MaxAbsolutePercentageError,
                unadjustedMeanAbsolutePercentageError = report.UnadjustedMeanAbsolutePercentageError,
                machineSpeed = report.Speed is { } speed ? new { speed.ProbeAtCalibrationMs, speed.ProbeNowMs, speed.Factor } : null,
                samples = report.Samples.Select(s => new { s.Label, s.PredictedMs, s.PredictedNowMs, s.MeasuredMs, s.ErrorPercent, s.UnadjustedErrorPercent, s.Widths }),
            },
        });
        return ExitCodes.Success;
    }

    private static void ShowValidation(IConsoleUi ui, string model, int batch, ValidationReport report)
    {
        static string Ms(double ms) => ms.ToString("F3", CultureInfo.InvariantCulture);
        static string Percent(double p) => $"{p:+0.0;-0.0}%";
        var title = $"{model}: predicted vs measured on {report.Engine} (batch {batch})";
        if (report.Speed is not { } speed)
        {
            ui.Table(title, ["model", "predicted ms", "measured ms", "error"],
                report.Samples.Select(s => (IReadOnlyList<string>)[s.Label, Ms(s.PredictedMs), Ms(s.MeasuredMs), Percent(s.ErrorPercent)]));
            ui.Info($"mean absolute percentage error {report.MeanAbsolutePercentageError:F2}% (max {report.MaxAbsolutePercentageError:F2}%) over {report.Samples.Count} models; " +
                    "the profile predates the speed probe, so the machine's drift since profiling is included (re-profile to separate it)");
            return;
        }

        ui.Table(title, ["model", "predicted ms (profile)", $"× {speed.Factor:F3} now", "measured ms", "error", "error vs profile as is"],
            report.Samples.Select(s => (IReadOnlyList<string>)
                [s.Label, Ms(s.PredictedMs), Ms(s.PredictedNowMs), Ms(s.MeasuredMs), Percent(s.ErrorPercent), Percent(s.UnadjustedErrorPercent)]));
        ui.Info($"machine speed: the speed probe ran {Ms(speed.ProbeNowMs)} ms now against {Ms(speed.ProbeAtCalibrationMs)} ms at calibration " +
                $"({(speed.Factor >= 1 ? $"{(speed.Factor - 1) * 100:F1}% slower" : $"{(1 / speed.Factor - 1) * 100:F1}% faster")} now); predictions are scaled by {speed.Factor:F3}");
        ui.Info($"mean absolute percentage error {report.MeanAbsolutePercentageError:F2}% (max {report.MaxAbsolutePercentageError:F2}%) over {report.Samples.Count} models; " +
                $"{report.UnadjustedMeanAbsolutePercentageError:F2}% against the profile's unscaled predictions");
    }

    /// <summary>This machine as the profile's engine would see it (without creating the engine, which may not run here).</summary>
    private static DeviceFingerprint CurrentFingerprint(string engine, int threads, int batch)
    {
        var (gpu, driver) = engine == "torch-cuda" ? DeviceFingerprint.NvidiaGpu() : (null, null);
        var version = engine == "ort-cpu" ? Runtime.OrtEngine.Version : Torch.Libtorch.Version;
        return DeviceFingerprint.Current(engine, version, threads == 0 ? Environment.ProcessorCount : threads, batch, gpu, driver);
    }

    private static string Share(double part, double total) => total > 0 ? (part / total).ToString("P1", CultureInfo.InvariantCulture) : "–";

    /// <summary>Warnings go to standard error in both modes (a JSON object per line with --json), so they are seen and never break stdout.</summary>
    internal static void Warn(IConsoleUi ui, string message) =>
        Console.Error.WriteLine(ui.IsJson ? JsonSerializer.Serialize(new { warning = message }) : $"warning: {message}");
}
