namespace Toolchain.Pipeline.Report;

/// <summary>
/// Latency of the dense and the pruned model on one deployed engine at one batch size, and the pruned model's latency
/// per layer as the engine's per-node profile measured it next to the profile's prediction.
/// </summary>
/// <param name="Engine">The engine id, e.g. "ort-cpu".</param>
/// <param name="Batch">The batch size every number is for.</param>
/// <param name="Dense">The dense model; null when it was not measured on this engine.</param>
/// <param name="Pruned">The pruned model.</param>
/// <param name="Layers">The pruned model per layer; empty when the engine has no per-node profile.</param>
/// <param name="LayerErrors">How close the per-layer predictions came; null when <paramref name="Layers"/> is empty.</param>
public sealed record EngineLatency(string Engine, int Batch, LatencyMeasurement? Dense, LatencyMeasurement Pruned, IReadOnlyList<LayerLatency> Layers, LayerErrorSummary? LayerErrors = null);
