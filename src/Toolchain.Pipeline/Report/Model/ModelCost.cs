namespace Toolchain.Pipeline.Report;

/// <summary>One model's cost: exact counts, and the latency the profile predicts (null without a profile).</summary>
/// <param name="Parameters">Learnable parameters.</param>
/// <param name="Macs">Multiply-accumulates of one forward pass of one sample.</param>
/// <param name="PredictedLatencyMs">The profile's prediction at the deployment batch size, in ms.</param>
public sealed record ModelCost(long Parameters, long Macs, double? PredictedLatencyMs);
