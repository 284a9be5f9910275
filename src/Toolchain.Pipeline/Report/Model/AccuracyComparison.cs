namespace Toolchain.Pipeline.Report;

/// <summary>Test accuracy of the dense and the pruned model (fractions, 0.9 = 90 %).</summary>
/// <param name="Dense">The dense model.</param>
/// <param name="Pruned">The pruned model after fine-tuning.</param>
/// <param name="PrunedBeforeFineTuneTop1">Top-1 of the pruned model right after the cut, before fine-tuning; null when not evaluated.</param>
public sealed record AccuracyComparison(ModelAccuracy Dense, ModelAccuracy Pruned, double? PrunedBeforeFineTuneTop1);
