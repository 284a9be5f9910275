namespace Toolchain.Pipeline.Report;

/// <summary>What the dense and the pruned model cost by count and by the profile's prediction.</summary>
public sealed record CostComparison(ModelCost Dense, ModelCost Pruned);
