namespace Toolchain.Pipeline.Report;

/// <summary>One layer of the pruned model: the profile's prediction and the engine's per-node measurement (ms).</summary>
/// <param name="Layer">The layer (node) name.</param>
/// <param name="PredictedMs">Null when the profile has no prediction for this layer.</param>
/// <param name="MeasuredMs">Null when the engine's profile has no node for it (e.g. fused away).</param>
public sealed record LayerLatency(string Layer, double? PredictedMs, double? MeasuredMs);
