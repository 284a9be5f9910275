using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Toolchain.Cli.Ui;
using Toolchain.Pipeline;
using Toolchain.Profiling;
using Toolchain.Pruning;
using Toolchain.Runtime;

namespace Toolchain.Cli.Commands;

/// <summary>
/// <c>toolchain predict MODEL [--profile P] [--ratio R] [--validate]</c>: the command-line face of <see cref="PredictJob"/> — the
/// model's latency predicted from a latency profile, per layer; with <c>--validate</c> the prediction is checked against the
/// engine's measurement of real compacted models at random widths.
/// </summary>
public sealed class PredictCommand(UiFactory uiFactory) : ICliCommand
{
    public Command Build()
    {
        var model = new Argument<string>("model") { Description = "Zoo name, graph file, checkpoint or .onnx file" };
        var profileOption = new Option<string?>("--profile", "-p") { Description = "Latency profile (default: the one in profiles/ for this engine, core count and batch; with --device the device's, profiles/devices/HOST/…)" };
        var engine = new Option<string>("--engine") { Description = $"Engine the profile describes: {Engines.Describe(Engines.Profilable)}", DefaultValueFactory = _ => Engines.OrtCpu.Name };
        var batch = new Option<int>("--batch") { Description = "Batch size", DefaultValueFactory = _ => 1 };
        var ratio = new Option<double>("--ratio") { Description = "Predict with this fraction of every prunable group's channels removed (uniform), in [0, 1)" };
        var roundTo = new Option<int>("--round-to") { Description = "With --ratio: keep widths that are multiples of this", DefaultValueFactory = _ => 1 };
        var validate = new Option<bool>("--validate") { Description = "Compact the model at random widths, measure each on the engine and compare with the prediction" };
        var samples = new Option<int>("--samples") { Description = "With --validate: random width assignments besides the dense model", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "With --validate: seed of the random widths", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "With --validate: intra-op threads (0: one per core)" };
        var seconds = new Option<double>("--measure-seconds") { Description = "With --validate: measure the models for at least this long (the machine's best state is kept)", DefaultValueFactory = _ => PredictRequest.DefaultMeasureSeconds };
        var storedCalibration = new Option<bool>("--stored-calibration")
        {
            Description = "With --validate: compare with the profile's stored whole-model calibration only. By default the calibration is also " +
                          "measured again in the same rounds as the samples, so the error reported first is the per-layer tables' own and not the host's drift since profiling",
        };
        var device = new DeviceOptions("Predict for (its cached profile) and, with --validate, measure");
        var json = CommandOptions.Json();
        var command = new Command("predict", "Predict a model's latency at any widths from a latency profile (and check it with --validate)")
        {
            model, profileOption, engine, batch, ratio, roundTo, validate, samples, seed, threads, seconds, storedCalibration, json,
        };
        device.AddTo(command);
        command.SetAction((parse, cancellation) => Task.FromResult(CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), cancellation,
            () => "the validation was not finished; nothing was written", ui => Predict(ui, device.Open(parse), remote => new PredictRequest
            {
                Device = remote,
                Model = parse.GetValue(model)!, Profile = parse.GetValue(profileOption), Engine = parse.GetValue(engine)!, Batch = parse.GetValue(batch),
                Ratio = parse.GetValue(ratio), RoundTo = parse.GetValue(roundTo), Validate = parse.GetValue(validate), Samples = parse.GetValue(samples),
                Seed = parse.GetValue(seed), Threads = parse.GetValue(threads), MeasureSeconds = parse.GetValue(seconds),
                RecalibrationSamples = parse.GetValue(storedCalibration) ? null : Profiler.RecalibrationSamples,
            }, cancellation))));
        return command;
    }

    private static int Predict(IConsoleUi ui, Agent.Client.RemoteDevice? remote, Func<Agent.Client.RemoteDevice?, PredictRequest> create, CancellationToken cancellation)
    {
        using var device = remote;
        var request = create(device);
        if (device is not null) ui.Info(device.Describe());
        var result = PredictJob.Run(request, new Observer(ui), cancellation);
        var prediction = result.Prediction;
        if (result.Validation is { } validation) ShowValidation(ui, result.Model, request.Model, result.Batch, validation, request.Device?.Address);
        ui.Json(new
        {
            type = "predict",
            model = result.Model,
            profile = result.ProfilePath,
            engine = result.Engine,
            agent = request.Device?.Address.ToString().TrimEnd('/'),
            batch = result.Batch,
            ratio = result.Ratio,
            totalMs = prediction.TotalMs,
            calibrationMs = prediction.CalibrationMs,
            calibration = result.Calibration.ToString(),
            kernels = prediction.Kernels,
            warnings = result.Warnings,
            layers = prediction.Layers.Select(l => new { l.Name, configuration = l.Configuration, dims = l.Dims, ms = l.Ms, share = l.Ms / prediction.TotalMs }),
            validation = result.Validation is not { } report ? null : new
            {
                meanAbsolutePercentageError = report.MeanAbsolutePercentageError,
                maxAbsolutePercentageError = report.MaxAbsolutePercentageError,
                unadjustedMeanAbsolutePercentageError = report.UnadjustedMeanAbsolutePercentageError,
                recalibratedMeanAbsolutePercentageError = report.RecalibratedMeanAbsolutePercentageError,
                recalibratedMaxAbsolutePercentageError = report.RecalibratedMaxAbsolutePercentageError,
                recalibration = report.Recalibration is { } c ? new { c.Scale, c.OffsetMs, c.PerKernelMs, c.ProbeMs, points = c.Points.Count } : null,
                machineSpeed = report.Speed is { } speed ? new { speed.ProbeAtCalibrationMs, speed.ProbeNowMs, speed.Factor } : null,
                speedDrift = report.Drift is { } drift ? new { drift.FirstHalfMs, drift.SecondHalfMs, drift.ChangePercent } : null,
                samples = report.Samples.Select(s => new { s.Label, s.PredictedMs, s.PredictedNowMs, s.MeasuredMs, s.ErrorPercent, s.UnadjustedErrorPercent, s.RecalibratedMs, s.RecalibratedErrorPercent, s.FitPoint, s.Widths }),
            },
        });
        return ExitCodes.Success;
    }

    /// <summary>The prediction table as soon as it is made (a validation measures for a while after it); warnings on standard error.</summary>
    private sealed class Observer(IConsoleUi ui) : IPredictObserver
    {
        public void Info(string message) => ui.Info(message);

        public T WithProgress<T>(string title, Func<IProgressBar, T> work) => ui.WithProgress(title, work);

        public void Warning(string message) => Warn(ui, message);

        public void Predicted(PredictResult r)
        {
            var prediction = r.Prediction;
            ui.Table($"{r.Model}{(r.Ratio > 0 ? $" with {r.Ratio:0.###} of every prunable group removed" : "")}: predicted {prediction.TotalMs:F3} ms on {r.Engine} ({Path.GetFileName(r.ProfilePath)})",
                ["layer", "runs as", "widths", "ms", "share"],
                prediction.Layers.Select(l => (IReadOnlyList<string>)
                        [l.Name, l.Configuration, string.Join(" → ", l.Dims), l.Ms.ToString("F4", CultureInfo.InvariantCulture), Share(l.Ms, prediction.TotalMs)])
                    .Append(["(calibration offset)", r.CalibrationNote, "", prediction.CalibrationMs.ToString("F4", CultureInfo.InvariantCulture), Share(prediction.CalibrationMs, prediction.TotalMs)])
                    .Append(["total", $"{prediction.Kernels} kernels", "", prediction.TotalMs.ToString("F4", CultureInfo.InvariantCulture), "100.0%"]));
        }
    }

    /// <summary>The recalibrated error above which the tables themselves, not the calibration, are out of date.</summary>
    private const double StaleTablesPercent = 5;

    /// <summary>
    /// The speed probe's change between the measurement's halves above which the host changed state while measuring:
    /// the errors then mix two states. On this 2-core VM, 47 of 54 validations on 2026-12-02 drifted by at most 3.0 %;
    /// the other seven by −13.4, −6.9, −5.8, −4.5, +3.9, +19.1 and +39.7 %.
    /// </summary>
    private const double DriftWarningPercent = 3;

    private static void ShowValidation(IConsoleUi ui, string model, string modelArgument, int batch, ValidationReport report, Uri? agent)
    {
        static string Ms(double ms) => ms.ToString("F3", CultureInfo.InvariantCulture);
        static string Percent(double? p) => p is { } v ? $"{v:+0.0;-0.0}%" : "–";
        var title = $"{model}: predicted vs measured on {report.Engine} (batch {batch}){(agent is null ? "" : $" at {agent.ToString().TrimEnd('/')}")}";
        var speed = report.Speed;
        var now = report.Recalibration;
        var columns = new List<string> { "model", "measured ms" };
        if (now is not null) columns.AddRange(["recalibrated ms", "error"]);
        columns.AddRange(speed is null ? ["profile ms", "error"] : ["profile ms", $"× {speed.Factor:F3} probe", "error", "error as is"]);
        ui.Table(title, columns, report.Samples.Select(s =>
        {
            var row = new List<string> { s.FitPoint ? $"{s.Label} (fit point)" : s.Label, Ms(s.MeasuredMs) };
            if (now is not null) row.AddRange([Ms(s.RecalibratedMs!.Value), Percent(s.RecalibratedErrorPercent)]);
            row.AddRange(speed is null
                ? [Ms(s.PredictedMs), Percent(s.ErrorPercent)]
                : [Ms(s.PredictedMs), Ms(s.PredictedNowMs), Percent(s.ErrorPercent), Percent(s.UnadjustedErrorPercent)]);
            return (IReadOnlyList<string>)row;
        }));
        if (report.Drift is { } drift)
        {
            ui.Info($"machine drift during the measurement: the speed probe ran {Ms(drift.FirstHalfMs)} ms in the first half and {Ms(drift.SecondHalfMs)} ms in the second ({drift.ChangePercent:+0.0;-0.0}%)");
            if (Math.Abs(drift.ChangePercent) > DriftWarningPercent)
            {
                Warn(ui, $"{model}: the machine's speed changed by {drift.ChangePercent:+0.0;-0.0}% during the measurement (over {DriftWarningPercent}%): the host changed state " +
                         "while measuring (other load, frequency), so these errors are partly the host's; measure again when it is quiet, or longer (--measure-seconds)");
            }
        }

        if (now is not null)
        {
            var held = report.Samples.Count(s => !s.FitPoint);
            ui.Info($"recalibrated now ({now.Points.Count} whole-model points measured in the same rounds: scale {now.Scale:F3}, offset {now.OffsetMs:F3} ms, " +
                    $"{now.PerKernelMs * 1000:F2} µs per kernel): mean absolute percentage error {report.RecalibratedMeanAbsolutePercentageError:F2}% " +
                    $"(max {report.RecalibratedMaxAbsolutePercentageError:F2}%) over the {held} models it was not fitted on — the per-layer tables' error on this host as it runs now");
            if (report.RecalibratedMeanAbsolutePercentageError > StaleTablesPercent)
            {
                // A fresh calibration absorbs the host's overall speed; what it leaves is the tables' shape across widths.
                Warn(ui, $"{model}: even recalibrated, the profile's per-layer tables miss this host by {report.RecalibratedMeanAbsolutePercentageError:F1}% " +
                         $"(over {StaleTablesPercent}%): they were measured on another machine or in another state of this one (or the host is busy now); " +
                         $"re-measure them here with `toolchain profile {modelArgument}{(report.Engine == "ort-cpu" ? "" : $" --engine {report.Engine}")}{(agent is null ? "" : $" --device {agent.ToString().TrimEnd('/')}")} --replace` when the host is quiet " +
                         "(naming every model the profile should cover: --replace starts it anew)");
            }
        }

        if (speed is null)
        {
            ui.Info($"with the profile's stored calibration: mean absolute percentage error {report.MeanAbsolutePercentageError:F2}% (max {report.MaxAbsolutePercentageError:F2}%) " +
                    $"over {report.Samples.Count} models; the profile predates the speed probe, so the machine's drift since profiling is included (re-profile to separate it)");
            return;
        }

        ui.Info($"machine speed: the speed probe ran {Ms(speed.ProbeNowMs)} ms now against {Ms(speed.ProbeAtCalibrationMs)} ms at calibration " +
                $"({(speed.Factor >= 1 ? $"{(speed.Factor - 1) * 100:F1}% slower" : $"{(1 / speed.Factor - 1) * 100:F1}% faster")} now)");
        ui.Info($"with the profile's stored calibration scaled by {speed.Factor:F3}: mean absolute percentage error {report.MeanAbsolutePercentageError:F2}% " +
                $"(max {report.MaxAbsolutePercentageError:F2}%) over {report.Samples.Count} models; {report.UnadjustedMeanAbsolutePercentageError:F2}% unscaled");
    }

    private static string Share(double part, double total) => total > 0 ? (part / total).ToString("P1", CultureInfo.InvariantCulture) : "–";

    /// <summary>Warnings go to standard error in both modes (a JSON object per line with --json), so they are seen and never break stdout.</summary>
    internal static void Warn(IConsoleUi ui, string message) =>
        Console.Error.WriteLine(ui.IsJson ? JsonSerializer.Serialize(new { warning = message }) : $"warning: {message}");
}
