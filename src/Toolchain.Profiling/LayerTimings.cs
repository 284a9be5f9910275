using Toolchain.Runtime;

namespace Toolchain.Profiling;

/// <summary>
/// One layer of a deployed model: the profile's prediction for its kernels and the engine's per-node measurement (ms),
/// with the engine's nodes that were counted as its kernels.
/// </summary>
/// <param name="Layer">The layer's name (its head node, as <see cref="LayerUnit.Name"/>); for a kernel outside every layer, the engine's node name.</param>
/// <param name="PredictedMs">The predictor's time for the layer's own kernels; null without a prediction, or for what the predictor does not charge to a layer.</param>
/// <param name="MeasuredMs">The sum of its kernels' median times; null when the engine ran no kernel under its nodes' names.</param>
/// <param name="Kernels">The engine's node names counted for it.</param>
public sealed record LayerTiming(string Layer, double? PredictedMs, double? MeasuredMs, IReadOnlyList<string> Kernels);

/// <summary>
/// Sets a deployed model's per-node profile (ONNX Runtime's trace) beside the predictor's layers. ONNX Runtime names
/// a kernel after one of the nodes it was made from (a fused Conv→BatchNorm→activation kernel after one of the three),
/// with <see cref="OrtTrace.BlockedSuffix"/> appended when it moved to the blocked layout: a kernel is counted for the
/// layer (<see cref="LayerUnits"/>) holding that node, as the profiler times a layer's fused kernels as one. Layout
/// conversions (ReorderInput/ReorderOutput, named by ONNX Runtime, after no node) make one row, against the
/// conversions the predictor charges to layers (<see cref="LayerPrediction.ConversionMs"/>), which it places by the
/// value converted where the trace cannot. Kernels of nodes that are no layer (Flatten, Reshape) are rows of their
/// own without a prediction: the profile counts them in the whole-model calibration's offset. A node's time is its
/// median kernel time over the runs after the warm-up.
/// </summary>
public static class LayerTimings
{
    /// <summary>The row of every layout conversion the engine ran.</summary>
    public const string ConversionsRow = "layout conversions";

    /// <summary>
    /// Layers in model order, then <see cref="ConversionsRow"/> (when the engine or the prediction has conversions),
    /// then kernels outside every layer in the order they ran.
    /// </summary>
    /// <param name="model">The model's structure (the graph the engine's file was exported from, or one with the same node names); null: every kernel is a row of its own.</param>
    /// <param name="trace">Every node's kernel durations (<see cref="OrtTrace.Record"/>).</param>
    /// <param name="warmup">Leading runs of the trace to skip.</param>
    /// <param name="prediction">The predictor's layers at the deployed widths; null: measured only.</param>
    public static IReadOnlyList<LayerTiming> Compare(ModelStructure? model, IReadOnlyList<OrtTrace.NodeCalls> trace, int warmup, LatencyPrediction? prediction)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        IReadOnlyList<LayerUnit> units = model?.Units ?? [];
        var layerOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var unit in units)
        {
            foreach (var node in unit.Nodes) layerOf[node.Name] = unit.Name;
        }

        var kernels = units.ToDictionary(u => u.Name, _ => new List<(string Node, double Ms)>(), StringComparer.Ordinal);
        var conversions = new List<(string Node, double Ms)>();
        var outside = new List<LayerTiming>();
        foreach (var node in trace)
        {
            if (node.DurationsUs.Count <= warmup) continue;
            var ms = RobustStatistics.Median(node.DurationsUs.Skip(warmup).Select(d => (double)d)) / 1000;
            if (node.Op.StartsWith("Reorder", StringComparison.Ordinal)) conversions.Add((node.Node, ms));
            else if (layerOf.GetValueOrDefault(GraphNodeName(node.Node)) is { } layer) kernels[layer].Add((node.Node, ms));
            else outside.Add(new LayerTiming(node.Node, null, ms, [node.Node]));
        }

        var predicted = prediction?.Layers.ToDictionary(l => l.Name, StringComparer.Ordinal);
        var rows = units.Select(u =>
        {
            var own = kernels[u.Name];
            return new LayerTiming(u.Name, predicted?.GetValueOrDefault(u.Name)?.KernelMs, own.Count > 0 ? own.Sum(k => k.Ms) : null, own.Select(k => k.Node).ToList());
        }).ToList();

        var predictedConversions = prediction?.Layers.Sum(l => l.ConversionMs);
        if (conversions.Count > 0 || predictedConversions > 0)
        {
            rows.Add(new LayerTiming(ConversionsRow, predictedConversions, conversions.Count > 0 ? conversions.Sum(k => k.Ms) : null, conversions.Select(k => k.Node).ToList()));
        }

        rows.AddRange(outside);
        return rows;
    }

    /// <summary>The graph node an engine kernel is named after: its name without <see cref="OrtTrace.BlockedSuffix"/>.</summary>
    public static string GraphNodeName(string kernel) =>
        kernel.EndsWith(OrtTrace.BlockedSuffix, StringComparison.Ordinal) ? kernel[..^OrtTrace.BlockedSuffix.Length] : kernel;
}
