using Toolchain.Graph;
using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Pruning.Tests;

internal static class PruningTestSupport
{
    /// <summary>Masks keeping a random half (rounded up) of every prunable group.</summary>
    public static GroupMasks RandomHalf(ChannelGroups groups, int seed)
    {
        var random = new Random(seed);
        var masks = new GroupMasks(groups);
        foreach (var g in groups.Prunable)
        {
            masks.KeepOnly(g.Id, Enumerable.Range(0, g.Channels).OrderBy(_ => random.Next()).Take((g.Channels + 1) / 2));
        }

        return masks;
    }

    /// <summary>An input for the graph with <paramref name="batch"/> samples and, optionally, another spatial size.</summary>
    public static Tensor Input(ModelGraph graph, int batch, int? size = null)
    {
        var shape = graph.InputShape;
        shape[0] = batch;
        if (size is { } s) (shape[2], shape[3]) = (s, s);
        return Tensor.RandN(shape);
    }

    /// <summary>
    /// Masks a random half of every prunable group, runs the masked graph, compacts, and checks: same outputs
    /// (eval mode), parameters/MACs/shapes exactly as the cost models predicted for those widths.
    /// </summary>
    public static CompactionReport AssertCompactionPreservesFunction(ModelGraph graph, Tensor x, int seed = 0)
    {
        using (var generator = new Generator((ulong)seed)) GraphFixtures.RandomizeBatchNorms(graph, generator);
        graph.Training = false;
        var groups = ChannelGroups.Discover(graph);
        var masks = RandomHalf(groups, seed);
        Assert.True(masks.RemovesAny, $"{graph.Name}: nothing to prune");
        var widths = masks.Widths();
        var predictedParameters = new ParameterCost(groups).Total(widths);
        var predictedMacs = new MacCost(groups).Total(widths);
        var predictedShapes = groups.PredictShapes(widths);

        Masking.Apply(groups, masks);
        using var masked = graph.Forward(x);
        var report = Compactor.Compact(groups, masks);
        using var compacted = graph.Forward(x);

        var error = TensorAssert.MaxRelativeToScale(masked, compacted);
        Assert.True(error <= 1e-5, $"{graph.Name}: compacted output differs from the masked one by {error:E2} of its scale");
        Assert.Equal((long)predictedParameters, graph.ParameterCount);
        Assert.Equal((long)predictedMacs, graph.Macs);
        Assert.Equal(report.ParametersAfter, graph.ParameterCount);
        Assert.True(graph.ParameterCount < report.ParametersBefore, $"{graph.Name}: compaction removed no parameter");
        foreach (var (value, shape) in graph.ValueShapes) Assert.Equal(predictedShapes.Value(value), shape);
        foreach (var (name, tensor) in graph.StateDict()) Assert.Equal(predictedShapes.Tensor(name), tensor.Shape);
        Assert.All(graph.Parameters, p => Assert.Null(p.Mask));
        return report;
    }
}
