using System.Globalization;
using Toolchain.Methods;
using Toolchain.Pipeline.Report;
using Toolchain.Profiling;
using Toolchain.Runtime;

namespace Toolchain.Pipeline;

/// <summary>Turns a pipeline run into the report model that results.json and report.html are written from.</summary>
public static class ReportBuilder
{
    public static RunReport From(PipelineResult r, IReadOnlyList<string> artifacts)
    {
        var p = r.Prune;
        var target = r.Latency.Single(l => l.Batch == r.Config.Target.Batch && l.Engine == r.Config.Target.Engine);
        var env = r.Environment;
        var environment = new EnvironmentInfo(env["device"], env["cpu"], int.Parse(env["cores"], CultureInfo.InvariantCulture), int.Parse(env["threads"], CultureInfo.InvariantCulture),
            env["os"], env.TryGetValue("agent", out var agent) ? env.GetValueOrDefault("gpu") : HostGpu.Nvidia().Gpu,
            [new EngineVersion("ONNX Runtime", env["onnxRuntime"]), new EngineVersion("libtorch", env["libtorch"])], r.TensorRt, r.Profile, agent);
        var accuracy = p is { DenseTop1: { } d1, DenseTop5: { } d5, PrunedTop1: { } p1, PrunedTop5: { } p5 }
            ? new AccuracyComparison(new ModelAccuracy(d1, d5, p.TestSamples), new ModelAccuracy(p1, p5, p.TestSamples), p.CutTop1)
            : null;
        var trail = File.Exists(p.TrailPath) ? Trail.Load(p.TrailPath).Entries.Select(TrailPoint.From).ToList() : [];
        return new RunReport(
            RunReport.CurrentSchemaVersion,
            new RunInfo(env["tool"], r.Started, DateTimeOffset.UtcNow, r.ConfigFile, Path.GetFullPath(r.Folder)),
            environment,
            new ModelInfo(p.Model, r.Config.Model),
            p.Method,
            p.Budgets.Select(b => Budget(b, p, target)).ToList(),
            accuracy,
            new CostComparison(new ModelCost(p.DenseParameters, p.DenseMacs, p.DensePredictedMs), new ModelCost(p.PrunedParameters, p.PrunedMacs, p.PrunedPredictedMs)),
            r.Latency.Select(l =>
            {
                var (layers, errors) = PerLayer(l.Layers);
                return new EngineLatency(l.Engine, l.Batch, Measurement(l.Dense, l == target ? p.DensePredictedMs : null),
                    Measurement(l.Pruned, l == target ? p.PrunedPredictedMs : null), layers, errors);
            }).ToList(),
            p.Widths.Select(w => new GroupWidth(w.Group, w.Dense, w.Pruned, Prunable: true)).ToList(),
            // The written model is the trail's last point: fine-tuning's last epoch.
            new TrailSummary(trail, trail.Count > 0 ? trail.Count - 1 : null),
            r.Gates,
            Parity(r),
            artifacts.Where(File.Exists).Select(a => new Artifact(Path.GetRelativePath(r.Folder, a), new FileInfo(a).Length, Describe(a))).ToList());
    }

    /// <summary>The report's rows of a per-layer measurement and how close its predictions came; empty and null without one.</summary>
    public static (IReadOnlyList<LayerLatency> Layers, LayerErrorSummary? Errors) PerLayer(PerLayerLatency? measured)
    {
        if (measured is null) return ([], null);
        var layers = measured.Layers.Select(l => new LayerLatency(l.Layer, l.PredictedMs, l.MeasuredMs, l.Kernels)).ToList();
        var statistic = $"median kernel time over {measured.Runs} profiled runs after {measured.Warmup} warm-up runs (ONNX Runtime's per-node profiler, µs resolution)";
        return (layers, LayerErrorSummary.From(layers, statistic, measured.Predictions));
    }

    /// <summary>The export's check on a seeded random batch and the pipeline's on real test images; the parity gate judges the worse.</summary>
    private static List<ParityCheck> Parity(PipelineResult r)
    {
        const string Deployed = "ONNX Runtime CPU (pruned.onnx)";
        var tolerance = r.Config.Gates.Parity;
        var checks = new List<ParityCheck>();
        if (r.Prune.ParityMaxAbsDiff is { } random) checks.Add(new ParityCheck(Deployed, "our executor (libtorch)", random, tolerance, "a seeded random batch, at export"));
        if (r.DataParity is { } real)
        {
            checks.Add(new ParityCheck(Deployed, "our executor (libtorch) on the pruned graph (pruned.safetensors)", real.MaxAbsDiff, tolerance, real.Describe(), real.Top1Agreement));
        }

        return checks;
    }

    /// <summary>A budget judged as measured where it can be (latency at the target batch, scaled to the limit's unit), else by its count.</summary>
    private static BudgetResult Budget(BudgetSummary b, PruneSummary p, BatchLatency target)
    {
        if (b.Cost != "latency")
        {
            var count = b.Cost == "params" ? p.PrunedParameters : p.PrunedMacs;
            return new BudgetResult(b.Spec, b.Cost == "params" ? "parameters" : "MACs", b.Limit, null, count, count <= b.Limit, b.Limit - count);
        }

        // A share of dense (latency=50%) is judged in percent of dense: predicted against the profile's dense latency,
        // measured against the dense model's p50 in the same run. A limit in milliseconds is judged in milliseconds.
        if (b.Fraction is { } fraction && p.DensePredictedMs is { } densePredicted)
        {
            var share = 100 * target.Pruned.P50Ms / target.Dense.P50Ms;
            return new BudgetResult(b.Spec, "%", 100 * fraction, 100 * b.Value / densePredicted, share, share <= 100 * fraction, 100 * fraction - share);
        }

        var measured = target.Pruned.P50Ms;
        return new BudgetResult(b.Spec, "ms", b.Limit, b.Value, measured, measured <= b.Limit, b.Limit - measured);
    }

    private static LatencyMeasurement Measurement(LatencySummary s, double? predicted) =>
        new(s.P50Ms, s.P90Ms, s.P99Ms, s.MeanMs, s.ThroughputPerSecond, s.SamplesMs, predicted);

    private static string Describe(string path) => Path.GetFileName(path) switch
    {
        "pruned.onnx" => "the pruned, fine-tuned, compacted model (ONNX)",
        "pruned.safetensors" => "the same pruned model as a graph file: the reference of the parity check on real data",
        "dense.onnx" => "the dense model (ONNX), measured beside the pruned one",
        "dense.safetensors" => "the trained dense model",
        PipelineOutputs.JUnitFile => "one test case per gate, for the CI's test tab",
        PipelineOutputs.SummaryFile => "the run in Markdown (also in $GITHUB_STEP_SUMMARY on GitHub Actions)",
        PipelineOutputs.ResultsFile => "everything in this report as JSON (schema v" + RunReport.CurrentSchemaVersion + ")",
        var name when name.EndsWith(".trail.json", StringComparison.Ordinal) => "every epoch's widths, costs and accuracy",
        _ => "",
    };
}
