using Toolchain.Graph;
using Toolchain.Profiling;
using Toolchain.Torch;

namespace Toolchain.Benchmarks;

/// <summary>
/// Does the committed latency profile keep its promise on this machine? For each model, the dense network and 10
/// random width assignments are compacted into real smaller networks and measured on ONNX Runtime (CPU, batch 1,
/// deployment threads); the mean absolute percentage error of the profile's prediction (scaled by the machine's
/// speed now against at calibration, <see cref="SpeedProbe"/>) against that measurement is printed with the target
/// (≤ 5 %), beside the error of the unscaled prediction. Returns the worst model's error.
/// </summary>
public static class PredictionBenchmark
{
    private static readonly string[] Models = ["resnet20", "resnet56", "mobilenet_v2_cifar"];

    public static double Run()
    {
        var engine = ProfileEngines.Create("ort-cpu", Libtorch.Threads);
        var path = ProfileLocator.FindDefault(engine.Name, 1, out var searched);
        if (path is null)
        {
            Console.WriteLine($"latency prediction: no ort-cpu batch-1 profile found ({searched}); run 'toolchain profile {string.Join(' ', Models)}'");
            return double.NaN;
        }

        var profile = LatencyProfile.Load(path);
        var differences = profile.Device.Differences(engine.Fingerprint(1));
        if (differences.Count > 0) Console.WriteLine($"warning: {Path.GetFileName(path)} was measured on another device ({string.Join("; ", differences)})");

        var worst = 0.0;
        foreach (var model in Models)
        {
            ValidationReport report;
            try
            {
                report = PredictionValidator.Validate(() => ModelZoo.Create(model), profile, engine, batch: 1, samples: 10, seed: 1);
            }
            catch (InvalidDataException e)
            {
                Console.WriteLine($"latency prediction {model}: {e.Message.Split('\n')[0]}");
                worst = double.NaN;
                continue;
            }

            var mape = report.MeanAbsolutePercentageError;
            worst = Math.Max(worst, mape);
            var speed = report.Speed is { } s ? $"machine ×{s.Factor:F3} vs calibration, unscaled MAPE {report.UnadjustedMeanAbsolutePercentageError:F2}%" : "profile has no speed probe";
            Console.WriteLine($"{$"latency prediction {model} (ORT CPU, batch 1, dense + 10 random widths)",-72} MAPE {mape,5:F2}%  " +
                              $"(max {report.MaxAbsolutePercentageError,5:F2}%, dense measured {report.Samples[0].MeasuredMs:F3} ms; {speed}) (target ≤ 5%: {(mape <= 5 ? "ok" : "ABOVE TARGET")})");
        }

        return worst;
    }
}
