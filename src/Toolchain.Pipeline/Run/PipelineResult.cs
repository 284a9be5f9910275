using Toolchain.Pipeline.Report;

namespace Toolchain.Pipeline;

/// <summary>What one pipeline run produced: plain data, for the console, results.json, the report and the CI files.</summary>
/// <param name="Config">The configuration the run used (defaults and overrides applied).</param>
/// <param name="Folder">The run folder.</param>
/// <param name="Prune">The pruned model against the dense one.</param>
/// <param name="Latency">Dense and pruned measured on the deployed engine, per batch size.</param>
/// <param name="Gates">Every gate the configuration sets, in a fixed order.</param>
/// <param name="TensorRt">Whether this host has TensorRT, and what was looked for.</param>
/// <param name="Stages">Each stage and whether it ran or was still valid from an earlier run.</param>
/// <param name="Environment">The host and engine versions, and the profile used.</param>
/// <param name="Started">When the run began (UTC).</param>
/// <param name="ConfigFile">The configuration file; null for the embedded default.</param>
/// <param name="Profile">The latency profile predicted with and whether it is this machine's; null when none.</param>
/// <param name="DataParity">The pruned .onnx on the deployed engine against our executor on real test images; null when it could not be checked.</param>
public sealed record PipelineResult(
    PipelineConfig Config,
    string Folder,
    PruneSummary Prune,
    IReadOnlyList<BatchLatency> Latency,
    IReadOnlyList<GateResult> Gates,
    TensorRtStatus TensorRt,
    IReadOnlyList<StageStatus> Stages,
    IReadOnlyDictionary<string, string> Environment,
    DateTimeOffset Started,
    string? ConfigFile,
    ProfileUse? Profile,
    DataParity? DataParity = null)
{
    public bool Passed => Gates.All(g => g.Passed);
}

/// <summary>A stage of the run and what happened to it: "ran", "resumed" or "reused" (its record still matched its inputs).</summary>
public sealed record StageStatus(string Name, string Status, double Seconds);

/// <summary>The prune stage's outcome as stored in its record, so a rerun that reuses the stage still reports it.</summary>
public sealed record PruneSummary(
    string Model,
    string Method,
    int TestSamples,
    double? DenseTop1,
    double? DenseTop5,
    double? PrunedTop1,
    double? PrunedTop5,
    double? CutTop1,
    long DenseParameters,
    long PrunedParameters,
    long DenseMacs,
    long PrunedMacs,
    double? DensePredictedMs,
    double? PrunedPredictedMs,
    IReadOnlyList<BudgetSummary> Budgets,
    IReadOnlyList<WidthSummary> Widths,
    double? ParityMaxAbsDiff,
    string OnnxPath,
    long OnnxBytes,
    string TrailPath)
{
    public static PruneSummary From(PruneResult r) => new(
        r.Model, r.Method, r.Dense.Accuracy?.Samples ?? 0, r.Dense.Accuracy?.Top1, r.Dense.Accuracy?.Top5, r.Pruned.Accuracy?.Top1, r.Pruned.Accuracy?.Top5, r.CutTop1,
        r.Dense.Parameters, r.Pruned.Parameters, r.Dense.Macs, r.Pruned.Macs, r.Dense.PredictedMs, r.Pruned.PredictedMs,
        r.Budgets.Select(b => new BudgetSummary(b.Spec.ToString(), b.Spec.Cost, b.Unit, b.Limit, b.Value, b.Met, b.Spec.IsFraction ? b.Spec.Value : null)).ToList(),
        r.Groups.Where(g => g.Prunable).Select(g => new WidthSummary(g.Name, g.Channels, r.Widths[g.Id])).ToList(),
        r.Onnx?.ParityMaxAbsDiff, r.Output, r.Onnx?.Bytes ?? 0, r.TrailPath);
}

/// <summary>One budget: its limit, the pruned model's value (hard count, or predicted latency) and, for a share, the share.</summary>
public sealed record BudgetSummary(string Spec, string Cost, string Unit, double Limit, double Value, bool Met, double? Fraction);

/// <summary>One prunable channel group's width, dense and pruned.</summary>
public sealed record WidthSummary(string Group, int Dense, int Pruned);

/// <summary>
/// Latency of one model at one batch size on the deployed engine (ms), from every timed run. Throughput is images per
/// second over the timed runs: batch · runs / their summed time, i.e. batch · 1000 / mean.
/// </summary>
public sealed record LatencySummary(int Runs, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double MinMs, double MaxMs, double ThroughputPerSecond, IReadOnlyList<double> SamplesMs);

/// <summary>
/// Dense and pruned at one batch size, measured in the same run taking turns; at the target batch also the pruned
/// model per layer (<see cref="Layers"/>, null at other batches and on engines without a per-node profiler).
/// </summary>
public sealed record BatchLatency(int Batch, string Engine, LatencySummary Dense, LatencySummary Pruned, PerLayerLatency? Layers = null)
{
    public double Speedup => Dense.P50Ms / Pruned.P50Ms;
}

