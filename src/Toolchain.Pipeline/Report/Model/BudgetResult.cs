namespace Toolchain.Pipeline.Report;

/// <summary>
/// One budget against the pruned model. A latency budget has a predicted value (the profile) and, once deployed, a
/// measured one; a count budget (parameters, MACs) is exact, so its measured value is the count and its predicted value
/// is null. The measured value decides when there is one.
/// </summary>
/// <param name="Spec">The budget as the user wrote it, e.g. "latency=50%".</param>
/// <param name="Unit">The unit of the numbers: "ms", "MACs" or "parameters".</param>
/// <param name="Limit">The largest value that meets the budget.</param>
/// <param name="Predicted">The profile's prediction for the pruned model; null for a count budget or without a profile.</param>
/// <param name="Measured">The value measured on the deployed engine (or counted); null when not measured.</param>
/// <param name="Met">Whether the deciding value (measured, else predicted) is within the limit.</param>
/// <param name="Margin">Limit minus the deciding value, in <paramref name="Unit"/>: positive is the room left, negative how far the budget was missed.</param>
public sealed record BudgetResult(string Spec, string Unit, double Limit, double? Predicted, double? Measured, bool Met, double Margin);
