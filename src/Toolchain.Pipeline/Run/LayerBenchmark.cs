using Toolchain.Graph;
using Toolchain.Profiling;
using Toolchain.Pruning;
using Toolchain.Runtime;

namespace Toolchain.Pipeline;

/// <summary>
/// The pruned model per layer on the deployed engine at one batch size: measured by the engine's per-node profiler,
/// predicted by the latency profile at the pruned widths.
/// </summary>
/// <param name="Warmup">Runs before the profiled ones, not counted.</param>
/// <param name="Runs">Profiled runs each kernel's median is taken over.</param>
/// <param name="Layers">Every layer, then the layout conversions and the kernels outside every layer (<see cref="LayerTimings.Compare"/>).</param>
/// <param name="Predictions">Where the predictions come from ("from PROFILE at the pruned widths"), or why there are none ("none: …").</param>
public sealed record PerLayerLatency(int Warmup, int Runs, IReadOnlyList<LayerTiming> Layers, string Predictions);

/// <summary>
/// Measures the pruned model layer by layer on ONNX Runtime: a session of its own with the profiler on (profiling
/// adds time to every kernel, so the latency percentiles never come from a profiled session), <see cref="Warmup"/>
/// runs and then <see cref="Runs"/> profiled ones on a seeded random batch; each kernel's median time is counted for
/// the latency profile's layer its node belongs to (<see cref="LayerTimings"/>) and set beside the predictor's
/// per-layer prediction, on the dense graph, at the pruned widths (the compacted model keeps the dense graph's node
/// names; the predictor knows layers by them).
/// </summary>
public static class LayerBenchmark
{
    public const int Warmup = 50;
    public const int Runs = 300;

    /// <summary>Null when the engine has no per-node profiler (anything but ONNX Runtime).</summary>
    /// <param name="engine">The deployed engine's name (<see cref="EngineFactory.Names"/>).</param>
    /// <param name="prunedOnnx">The deployed file.</param>
    /// <param name="dense">The dense model (zoo name, graph file or .onnx): the predictor's graph.</param>
    /// <param name="widths">The pruned width of every prunable channel group, by group name.</param>
    /// <param name="profile">The latency profile's path; null: measured only.</param>
    public static PerLayerLatency? Measure(string engine, string prunedOnnx, string dense, IReadOnlyList<WidthSummary> widths, string? profile, int batch, int threads)
    {
        ArgumentNullException.ThrowIfNull(widths);
        if (EngineFactory.Validate(engine).Backend != EngineBackend.OnnxRuntime) return null;
        using var created = EngineFactory.Creator(engine, prunedOnnx, threads, profileNodes: true)();
        if (created is not OrtEngine ort) return null;
        var shape = EngineFactory.InputShape(ort, batch);
        var trace = OrtTrace.Record(ort, HostTensor.RandomUniform(shape), Warmup + Runs);

        using var graph = ModelResolver.Open(dense, inputShape: [1, .. shape.Skip(1)]);
        ModelStructure? structure;
        try
        {
            structure = new ModelStructure(graph);
        }
        catch (NotSupportedException)
        {
            // Layers the profiler cannot time: every kernel is reported on its own, without a prediction.
            structure = null;
        }

        var (prediction, note) = Predict(graph, widths, profile, batch);
        return new PerLayerLatency(Warmup, Runs, LayerTimings.Compare(structure, trace, Warmup, prediction), note);
    }

    /// <summary>The predictor's layers at the pruned widths, or null and why not.</summary>
    private static (LatencyPrediction? Prediction, string Note) Predict(ModelGraph dense, IReadOnlyList<WidthSummary> widths, string? profile, int batch)
    {
        if (profile is null || !File.Exists(profile)) return (null, $"none: no latency profile for batch {batch}");
        try
        {
            var groups = ChannelGroups.Discover(dense);
            var pruned = widths.ToDictionary(w => w.Group, w => w.Pruned, StringComparer.Ordinal);
            var assignment = groups.Groups.Select(g => g.Prunable && pruned.TryGetValue(g.Name, out var w) ? w : g.Channels).ToArray();
            var predictor = new LatencyPredictor(LatencyProfile.Load(profile), groups);
            return (predictor.Predict(assignment), $"from {profile} at the pruned widths");
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or KeyNotFoundException or NotSupportedException)
        {
            return (null, $"none: {profile} cannot predict this model ({e.Message})");
        }
    }
}
