using Toolchain.Pruning;

namespace Toolchain.Pipeline;

/// <summary>
/// One budget of a prune job against the pruned model: its limit and the pruned model's cost in the budget's unit
/// (by the hard count, or by the profile's prediction for latency), and whether the limit holds.
/// </summary>
public sealed record BudgetCheck(BudgetSpec Spec, string Unit, double Limit, double Value, bool Met);
