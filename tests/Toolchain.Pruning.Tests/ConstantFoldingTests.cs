using Toolchain.Graph;
using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Pruning.Tests;

/// <summary>
/// Network slimming leaves channels whose BatchNorm scale is 0 but whose shift is not: they output the constant
/// relu(β). Cutting them must move that constant into the next layer instead of dropping it.
/// </summary>
public sealed class ConstantFoldingTests
{
    // conv a (3 → 6) → BN → ReLU → conv b (6 → 4, kernel/padding/bias as given) [→ BN] → ReLU → pool → fc
    private static ModelGraph Slimmed(int kernel, bool bias, bool batchNormAfter)
    {
        using var b = new GraphBuilder("slimmed", [2, 3, 8, 8], seed: 21);
        var x = b.Conv(b.Input, 6, 3, padding: 1, bias: false, name: "a");
        x = b.Relu(b.BatchNorm(x, "a_bn"), "a_relu");
        x = b.Conv(x, 4, kernel, padding: kernel / 2, bias: bias, name: "b");
        if (batchNormAfter) x = b.BatchNorm(x, "b_bn");
        x = b.Relu(x, "b_relu");
        b.Output(b.Linear(b.Flatten(b.GlobalAveragePool(x, "pool"), name: "flatten"), 3, name: "fc"));
        var graph = b.Build();
        GraphFixtures.RandomizeBatchNorms(graph);
        // Channels 1 and 4 are switched off by their scale; their shifts 0.7 and 0.2 survive the ReLU.
        var gamma = graph.GetTensor("a_bn.weight").Detach().ToArray<float>();
        var beta = graph.GetTensor("a_bn.bias").Detach().ToArray<float>();
        (gamma[1], gamma[4], beta[1], beta[4]) = (0, 0, 0.7f, 0.2f);
        graph.Edit(new Dictionary<string, Tensor> { ["a_bn.weight"] = Tensor.FromArray(gamma), ["a_bn.bias"] = Tensor.FromArray(beta) });
        graph.Training = false;
        return graph;
    }

    private static (CompactionReport Report, double Error) CutChannels1And4(ModelGraph graph, bool fold, string compare = "")
    {
        var x = PruningTestSupport.Input(graph, 3);
        var value = compare == "" ? graph.OutputName : compare;
        using var before = graph.Forward(x, new HashSet<string> { value });
        var groups = ChannelGroups.Discover(graph);
        var masks = new GroupMasks(groups);
        masks.KeepOnly(groups.Groups.Single(g => g.Name == "a").Id, [0, 2, 3, 5]);
        var report = Compactor.Compact(groups, masks, new CompactionOptions { FoldConstants = fold });
        using var after = graph.Forward(x, new HashSet<string> { value });
        return (report, TensorAssert.MaxRelativeToScale(before.Captured[value], after.Captured[value]));
    }

    [Fact]
    public void Fold_UnpaddedConvWithBias_IsExact()
    {
        using var scope = DisposeScope.Enter();
        using var graph = Slimmed(kernel: 1, bias: true, batchNormAfter: false);
        var (report, error) = CutChannels1And4(graph, fold: true);
        Assert.True(error <= 1e-5, $"output changed by {error:E2}");
        var fold = Assert.Single(report.Folds);
        Assert.Equal(("b", FoldKind.Exact, 2), (fold.Node, fold.Kind, fold.Channels));
        Assert.Contains("'b.bias'", fold.Detail);
    }

    [Fact]
    public void NoFold_DroppingTheConstant_ChangesTheOutput()
    {
        using var scope = DisposeScope.Enter();
        using var graph = Slimmed(kernel: 1, bias: true, batchNormAfter: false);
        var (report, error) = CutChannels1And4(graph, fold: false);
        Assert.Empty(report.Folds);
        Assert.True(error > 1e-3, $"dropping relu(β) should change the output, changed by {error:E2}");
    }

    [Fact]
    public void Fold_ConvWithoutBias_GoesIntoTheRunningMeanOfItsBatchNorm()
    {
        using var scope = DisposeScope.Enter();
        using var graph = Slimmed(kernel: 1, bias: false, batchNormAfter: true);
        var (report, error) = CutChannels1And4(graph, fold: true);
        Assert.True(error <= 1e-5, $"output changed by {error:E2}");
        var fold = Assert.Single(report.Folds);
        Assert.Equal(FoldKind.Exact, fold.Kind);
        Assert.Contains("'b_bn.running_mean'", fold.Detail);
    }

    [Fact]
    public void Fold_ConvWithoutBiasOrBatchNorm_IsReportedAsDropped()
    {
        using var scope = DisposeScope.Enter();
        using var graph = Slimmed(kernel: 1, bias: false, batchNormAfter: false);
        var (report, _) = CutChannels1And4(graph, fold: true);
        Assert.Equal(FoldKind.Dropped, Assert.Single(report.Folds).Kind);
    }

    [Fact]
    public void Fold_PaddedConv_IsExactAwayFromTheBorder()
    {
        using var scope = DisposeScope.Enter();
        using var graph = Slimmed(kernel: 3, bias: true, batchNormAfter: false);
        var x = PruningTestSupport.Input(graph, 2);
        using var before = graph.Forward(x, new HashSet<string> { "b" });
        var (report, _) = CutChannels1And4(graph, fold: true);
        Assert.Equal(FoldKind.InteriorOnly, Assert.Single(report.Folds).Kind);
        using var after = graph.Forward(x, new HashSet<string> { "b" });
        var (b0, b1) = (before.Captured["b"], after.Captured["b"]);
        TensorAssert.Close(b0.Slice(2, 1, 7).Slice(3, 1, 7), b1.Slice(2, 1, 7).Slice(3, 1, 7), 1e-5, 1e-5, "interior");
        Assert.True(TensorAssert.MaxRelativeToScale(b0.Slice(2, 0, 1), b1.Slice(2, 0, 1)) > 1e-4, "the border sees the padding");
    }

    [Fact]
    public void Fold_FlattenIntoLinear_IsExactPerFeature()
    {
        using var scope = DisposeScope.Enter();
        using var graph = TopologyZoo.Create("flatten_linear");
        GraphFixtures.RandomizeBatchNorms(graph);
        var gamma = graph.GetTensor("conv_bn.weight").Detach().ToArray<float>();
        var beta = graph.GetTensor("conv_bn.bias").Detach().ToArray<float>();
        (gamma[2], beta[2]) = (0, 0.5f);
        graph.Edit(new Dictionary<string, Tensor> { ["conv_bn.weight"] = Tensor.FromArray(gamma), ["conv_bn.bias"] = Tensor.FromArray(beta) });
        graph.Training = false;
        var x = PruningTestSupport.Input(graph, 3);
        var expected = graph.Forward(x);
        var groups = ChannelGroups.Discover(graph);
        var masks = new GroupMasks(groups);
        masks.KeepOnly(1, [0, 1, 3, 4, 5]);
        var report = Compactor.Compact(groups, masks);
        var fold = Assert.Single(report.Folds);
        Assert.Equal(("fc1", FoldKind.Exact), (fold.Node, fold.Kind));
        Assert.True(TensorAssert.MaxRelativeToScale(expected, graph.Forward(x)) <= 1e-5);
    }

    [Fact]
    public void Fold_ChannelsStillCarryingSignal_AreReported()
    {
        using var scope = DisposeScope.Enter();
        using var graph = TopologyZoo.Create("concat");
        // A positive shift keeps every channel of mix alive through its ReLU.
        graph.ReplaceTensor("mix_bn.bias", Tensor.Full([5], 3));
        var groups = ChannelGroups.Discover(graph);
        var masks = new GroupMasks(groups);
        masks.KeepOnly(4, [0, 1]); // mix: cut without masking, so mix's output channels 2–4 are live
        var report = Compactor.Compact(groups, masks);
        Assert.Contains(report.Folds, f => f is { Node: "fc", Kind: FoldKind.NotConstant, Channels: 3 });
    }
}
