namespace Toolchain.Pipeline.Report;

/// <summary>The pruning run's trail as points, and which point became the output.</summary>
/// <param name="Points">Every trail entry, in the order they were recorded.</param>
/// <param name="ChosenIndex">Index into <paramref name="Points"/> of the point that was kept; null when none was (a failed run).</param>
public sealed record TrailSummary(IReadOnlyList<TrailPoint> Points, int? ChosenIndex);
