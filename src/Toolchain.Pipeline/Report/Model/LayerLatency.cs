namespace Toolchain.Pipeline.Report;

/// <summary>
/// One layer of the pruned model: the profile's prediction and the engine's per-node measurement (ms). A layer is
/// what the latency profile times as one: a conv or linear layer with what the engine fuses into it (BatchNorm,
/// residual Add, activation), or a standalone op; besides layers there are rows for the layout conversions and for
/// kernels outside every layer.
/// </summary>
/// <param name="Layer">The layer's name (its first node), "layout conversions", or the engine's name of a kernel outside every layer.</param>
/// <param name="PredictedMs">Null when the profile has no prediction for this row.</param>
/// <param name="MeasuredMs">Null when the engine ran no kernel for it (e.g. fused away).</param>
/// <param name="Kernels">The engine's node names measured for it; null in reports written before it was recorded.</param>
public sealed record LayerLatency(string Layer, double? PredictedMs, double? MeasuredMs, IReadOnlyList<string>? Kernels = null);
