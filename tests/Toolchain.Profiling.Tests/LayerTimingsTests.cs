using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Pruning;
using Toolchain.Runtime;

namespace Toolchain.Profiling.Tests;

/// <summary>ONNX Runtime's per-node profile grouped into the profile's layers, against the kernels ONNX Runtime really runs.</summary>
public sealed class LayerTimingsTests
{
    [Theory]
    [InlineData("resnet20", 3, false)]
    [InlineData("resnet20", 5, true)]
    [InlineData("mobilenet_v2_cifar", 4, false)]
    public void Compare_CompactedModelAtRandomWidths_CountsEveryKernelOnce_ForTheLayerOfTheNodeItIsNamedAfter(string model, int seed, bool foldBatchNorm)
    {
        using var dense = ModelZoo.Create(model);
        var widths = PredictionValidator.RandomWidths(ChannelGroups.Discover(dense), 1, seed)[0];
        using var graph = ModelZoo.Create(model);
        var groups = ChannelGroups.Discover(graph);
        var masks = new GroupMasks(groups);
        foreach (var g in groups.Prunable.Where(g => widths[g.Id] < g.Channels)) masks.KeepOnly(g.Id, Enumerable.Range(0, widths[g.Id]));
        Compactor.Compact(groups, masks);
        var onnx = OnnxExporter.Export(graph, new OnnxExportOptions { FoldBatchNorm = foldBatchNorm });
        IReadOnlyList<OrtTrace.NodeCalls> trace;
        using (var engine = OrtEngine.Load(onnx, graph.Name, new OrtEngineOptions { IntraOpThreads = 2, EnableProfiling = true }))
        {
            trace = OrtTrace.Record(engine, new HostTensor(graph.InputShape, new float[HostTensor.ElementCount(graph.InputShape)]), 3);
        }

        var structure = new ModelStructure(dense);
        var rows = LayerTimings.Compare(structure, trace, 1, null);

        Assert.Equal(trace.Select(n => n.Node).Order(), rows.SelectMany(r => r.Kernels).Order());
        foreach (var (unit, row) in structure.Units.Zip(rows))
        {
            Assert.Equal(unit.Name, row.Layer);
            Assert.True(row.Kernels.Count > 0, $"layer {unit.Name} has no kernel in ONNX Runtime's trace");
            Assert.All(row.Kernels, k => Assert.Contains(LayerTimings.GraphNodeName(k), unit.Nodes.Select(n => n.Name)));
        }

        Assert.Equal([LayerTimings.ConversionsRow, "flatten"], rows.Skip(structure.Units.Count).Select(r => r.Layer));
        Assert.All(rows[^2].Kernels, k => Assert.StartsWith("Reorder", k, StringComparison.Ordinal));
    }

    [Fact]
    public void Compare_Trace_TakesEachKernelsMedianAfterWarmup_AndSetsThePredictionBeside()
    {
        using var graph = ModelZoo.Create("resnet20");
        var structure = new ModelStructure(graph);
        OrtTrace.NodeCalls Node(string name, string op, params long[] us) => new(name, op, [.. us]);
        var trace = new[]
        {
            Node("relu_nchwc", "Conv", 900, 10, 12, 11), // stem conv + bn + relu: median of 10, 12, 11 µs
            Node("ReorderOutput_token_3", "ReorderOutput", 50, 2, 2, 4),
            Node("layer1.0.bn2_nchwc", "Conv", 70, 20, 30, 40),
            Node("layer1.0.add", "Add", 9, 3, 3, 3), // an unfused residual Add belongs to the conv's layer
            Node("flatten", "Flatten", 5, 1, 1, 1),
        };
        var prediction = new LatencyPrediction(
            [new LayerPrediction("conv1", "c", [3, 16], 0.015, ConversionMs: 0.003), new LayerPrediction("layer1.0.conv2", "c", [16, 16], 0.02)], 0, 0.035, 3);

        var rows = LayerTimings.Compare(structure, trace, 1, prediction).ToDictionary(r => r.Layer);

        Assert.Equal(0.011, rows["conv1"].MeasuredMs!.Value, 9);
        Assert.Equal(0.012, rows["conv1"].PredictedMs!.Value, 9); // its own kernels: the conversion it is charged with is in the conversions row
        Assert.Equal(0.033, rows["layer1.0.conv2"].MeasuredMs!.Value, 9);
        Assert.Equal(["layer1.0.bn2_nchwc", "layer1.0.add"], rows["layer1.0.conv2"].Kernels);
        Assert.Null(rows["layer1.0.conv1"].MeasuredMs);
        Assert.Null(rows["layer1.0.conv1"].PredictedMs);
        Assert.Equal(0.002, rows[LayerTimings.ConversionsRow].MeasuredMs!.Value, 9);
        Assert.Equal(0.003, rows[LayerTimings.ConversionsRow].PredictedMs!.Value, 9);
        Assert.Null(rows["flatten"].PredictedMs);

        var unstructured = LayerTimings.Compare(null, trace, 1, null);
        Assert.Equal(trace.Where(n => !n.Op.StartsWith("Reorder", StringComparison.Ordinal)).Select(n => n.Node).Prepend(LayerTimings.ConversionsRow).Order(),
            unstructured.Select(r => r.Layer).Order());
    }
}
