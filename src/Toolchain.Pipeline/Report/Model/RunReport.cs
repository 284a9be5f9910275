namespace Toolchain.Pipeline.Report;

/// <summary>
/// Everything one pipeline run found, as plain data: what <c>results.json</c> holds (<see cref="ResultsJson"/>) and what
/// <c>report.html</c> shows (<see cref="ReportHtml"/>). Nothing here leads back to graphs, tensors or engines, so a
/// report can be written after they are disposed and read back by a program that never loads a model. Ratios are
/// fractions (0.5 = 50 %), times are milliseconds, accuracies are fractions of the test set.
/// </summary>
/// <param name="SchemaVersion">The results.json schema this report follows; <see cref="CurrentSchemaVersion"/> when written by this tool.</param>
/// <param name="Run">Which run: tool revision, times, config, output folder.</param>
/// <param name="Environment">Where it ran: device fingerprint, engines, TensorRT, the latency profile used.</param>
/// <param name="Model">The model that was pruned.</param>
/// <param name="Method">The pruning method's name, e.g. "hfp".</param>
/// <param name="Budgets">Every budget against the pruned model, in the order of the config.</param>
/// <param name="Accuracy">Test accuracy dense vs pruned; null when the run had no test data.</param>
/// <param name="Cost">Parameters, MACs and predicted latency, dense vs pruned.</param>
/// <param name="Latency">Measured latency per deployed engine and batch size.</param>
/// <param name="Widths">Every channel group's width dense vs pruned.</param>
/// <param name="Trail">The pruning run's trail and the point that was chosen.</param>
/// <param name="Gates">Every gate of the run with its verdict.</param>
/// <param name="Parity">Output agreement of each deployed model with our executor.</param>
/// <param name="Artifacts">The files the run wrote, relative to <see cref="RunInfo.OutputFolder"/>.</param>
public sealed record RunReport(
    int SchemaVersion,
    RunInfo Run,
    EnvironmentInfo Environment,
    ModelInfo Model,
    string Method,
    IReadOnlyList<BudgetResult> Budgets,
    AccuracyComparison? Accuracy,
    CostComparison Cost,
    IReadOnlyList<EngineLatency> Latency,
    IReadOnlyList<GroupWidth> Widths,
    TrailSummary Trail,
    IReadOnlyList<GateResult> Gates,
    IReadOnlyList<ParityCheck> Parity,
    IReadOnlyList<Artifact> Artifacts)
{
    /// <summary>
    /// The schema version this code writes and reads. Raise it when a field is removed, renamed or changes meaning;
    /// readers refuse a newer version rather than misread it. A new optional field keeps the version but must be added
    /// to the schema (Report/results.schema.json) in the same change: the schema forbids unknown properties.
    /// </summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>Whether every gate passed (true for a run without gates: nothing failed).</summary>
    public bool AllGatesPassed() => Gates.All(g => g.Passed);
}
