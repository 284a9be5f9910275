using Toolchain.Graph;
using Toolchain.Onnx;

namespace Toolchain.Pruning.Tests.Deployment;

/// <summary>
/// A user's model, pruned and deployed: torchvision resnet18 and mobilenet_v2 (and, with random and L1 masks without
/// constant folding, densenet121, googlenet, mnasnet0_5 and shufflenet_v2_x0_5 at 64×64, inception_v3 at 75×75) as
/// PyTorch exports them (opset 17, BatchNorm folded into the convolutions where one precedes it), imported, pruned to half of every prunable group (random masks, and the
/// L1 one-shot baseline), exported again and run in ONNX Runtime. The deployed file computes what the masked graph
/// computes (with the default constant folding, what our executor computes for the pruned graph) and has exactly the
/// parameters and MACs the cost models predicted.
/// </summary>
public sealed class TorchvisionDeploymentTests(TorchvisionModels models) : IClassFixture<TorchvisionModels>
{
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData("resnet18")]
    [InlineData("mobilenet_v2")]
    [InlineData("densenet121")] // Pad (zeros) before each transition's AveragePool; BatchNorms before the convs stay
    [InlineData("googlenet")]
    [InlineData("mnasnet0_5")] // global pooling as ReduceMean over H, W
    [InlineData("shufflenet_v2_x0_5")] // channel split (Slice), shuffle (Reshape, Transpose) and ReduceMean
    [InlineData("inception_v3")] // spatial zero Pad before each padded AveragePool, at 75×75
    public void RandomHalfOfEveryGroup_CompactedExportRunsInOnnxRuntimeLikeTheMaskedGraph(string model)
    {
        var export = models.Get(model);
        using var graph = OnnxImporter.Import(export.OnnxPath);
        // The graph being pruned is the user's model: it computes PyTorch's logits.
        DeploymentCheck.AssertClose(export.Logits, DeploymentCheck.Execute(graph, export.Input), Tolerance, $"{model}: imported graph vs PyTorch");

        var groups = ChannelGroups.Discover(graph);
        var masks = PruningTestSupport.RandomHalf(groups, seed: 21);
        var expected = MaskedExpectation(graph, groups, masks, export);
        var report = Compactor.Compact(groups, masks);
        Assert.Empty(report.Folds); // masked channels contribute nothing

        DeploymentCheck.AssertDeploys(graph, export.Input, expected);
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("mobilenet_v2")]
    [InlineData("densenet121")]
    [InlineData("googlenet")]
    [InlineData("mnasnet0_5")]
    [InlineData("shufflenet_v2_x0_5")]
    [InlineData("inception_v3")]
    public void OneShotL1Half_WithoutConstantFolding_PrunedExportRunsInOnnxRuntimeLikeTheSameChannelsMasked(string model)
    {
        var export = models.Get(model);
        var l1 = Importance.Create("l1");
        DeploymentExpectation expected;
        int[] selectedWidths;
        // The same channels masked on a second copy: what the pruned model must compute.
        using (var reference = OnnxImporter.Import(export.OnnxPath))
        {
            var groups = ChannelGroups.Discover(reference);
            var masks = UniformPruning.SelectMasks(groups, l1, 0.5);
            selectedWidths = masks.Widths();
            expected = MaskedExpectation(reference, groups, masks, export);
        }

        using var graph = OnnxImporter.Import(export.OnnxPath);
        // Without folding, cutting channels that still carry signal drops them, exactly what masking does.
        var report = OneShotPruning.Prune(graph, l1, 0.5, options: new CompactionOptions { FoldConstants = false });
        Assert.Empty(report.Compaction.Folds);
        Assert.Equal(selectedWidths, report.Compaction.WidthsAfter);
        Assert.All(report.Groups.Where(g => g.Prunable), g => Assert.Equal(g.Channels - g.Channels / 2, g.Kept));
        Assert.Equal(expected.PredictedParameters, report.ParametersAfter);
        Assert.Equal(expected.PredictedMacs, report.MacsAfter);

        DeploymentCheck.AssertDeploys(graph, export.Input, expected);
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("mobilenet_v2")]
    public void OneShotL1Half_AsTheCommandRunsIt_PrunedExportRunsInOnnxRuntimeAtThePredictedSize(string model)
    {
        // With the default options removed channels that were constant on the probes (with random weights many of
        // mobilenet_v2's low-L1 depthwise channels sit at ReLU6's ceiling) are folded into the next conv's bias, so
        // the model stays closer to the unpruned one than the masked graph: the deployed file must match our executor.
        var export = models.Get(model);
        using var graph = OnnxImporter.Import(export.OnnxPath);
        var groups = ChannelGroups.Discover(graph);
        var widths = UniformPruning.SelectMasks(groups, Importance.Create("l1"), 0.5).Widths();
        var expected = new DeploymentExpectation(null, (long)new ParameterCost(groups).Total(widths), (long)new MacCost(groups).Total(widths), Tolerance);

        var report = OneShotPruning.Prune(graph, Importance.Create("l1"), 0.5);
        Assert.Equal(widths, report.Compaction.WidthsAfter);
        Assert.All(report.Compaction.Folds, f => Assert.True(f.Kind is FoldKind.Exact or FoldKind.NotConstant, $"{model}: {f}"));
        Assert.True(report.MacsAfter < report.MacsBefore / 2, $"{model}: {report.MacsAfter:N0} of {report.MacsBefore:N0} MACs left after removing half of every prunable group");

        DeploymentCheck.AssertDeploys(graph, export.Input, expected);
    }

    /// <summary>Predicts the costs of <paramref name="masks"/>' widths, then masks the graph and runs it on the export's input.</summary>
    private static DeploymentExpectation MaskedExpectation(ModelGraph graph, ChannelGroups groups, GroupMasks masks, TorchvisionExport export)
    {
        Assert.True(masks.RemovesAny, $"{graph.Name}: nothing to prune");
        var widths = masks.Widths();
        var parameters = (long)new ParameterCost(groups).Total(widths);
        var macs = (long)new MacCost(groups).Total(widths);
        Masking.Apply(groups, masks);
        return new DeploymentExpectation(DeploymentCheck.Execute(graph, export.Input), parameters, macs, Tolerance);
    }
}
