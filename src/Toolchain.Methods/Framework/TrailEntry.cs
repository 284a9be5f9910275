namespace Toolchain.Methods;

/// <summary>
/// One point of a pruning run's trail: after an epoch of the pruning phase (or of fine-tuning), the widths of every
/// channel group (by group id), each budgeted cost at those widths, and the accuracy then. A user reads the trail to
/// see how the model shrank and to pick an earlier point.
/// </summary>
public sealed record TrailEntry
{
    /// <summary>"prune" or "finetune".</summary>
    public required string Phase { get; init; }

    /// <summary>1-based epoch within the phase.</summary>
    public required int Epoch { get; init; }

    public required IReadOnlyList<int> Widths { get; init; }

    /// <summary>Cost name → value at <see cref="Widths"/> (e.g. "params", "macs", "latency" in ms by prediction).</summary>
    public required IReadOnlyDictionary<string, double> Costs { get; init; }

    public double? TrainLoss { get; init; }

    public double? TestTop1 { get; init; }

    public double? TestTop5 { get; init; }

    /// <summary>Whether every budget holds at these widths (unstructured: at <see cref="WeightsKept"/>).</summary>
    public bool BudgetsMet { get; init; }

    /// <summary>Unstructured runs: the conv and linear weights the entry's hard mask keeps; null for structured runs.</summary>
    public long? WeightsKept { get; init; }
}
