using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Graph.Tests;

public sealed class ShapeInferenceTests
{
    [Fact]
    public void Infer_TopologyGraph_GivesExpectedShapes()
    {
        using var graph = GraphFixtures.MixedTopology();
        Assert.Equal([2, 8, 8, 8], graph.ShapeOf("stem"));
        Assert.Equal([2, 3, 8, 8], graph.ShapeOf("split:0"));
        Assert.Equal([2, 5, 8, 8], graph.ShapeOf("split:1"));
        Assert.Equal([2, 4, 8, 8], graph.ShapeOf("slice"));
        Assert.Equal([2, 10, 8, 8], graph.ShapeOf("concat"));
        Assert.Equal([2, 10, 1, 1], graph.ShapeOf("se_gate"));
        Assert.Equal([2, 10, 8, 8], graph.ShapeOf("se_mul"));
        Assert.Equal([2, 4, 4, 10], graph.ShapeOf("nhwc"));
        Assert.Equal([2, 160], graph.ShapeOf("reshape"));
        Assert.Equal([2, 5], graph.OutputShape);
    }

    [Fact]
    public void ConvOut_CeilModePooling_MatchesPyTorch()
    {
        // PyTorch: max_pool2d(7x7, kernel 2, stride 2, ceil_mode=True) → 4x4; floor → 3x3; 3/2/1 on 112 → 56
        Assert.Equal(4, ShapeInference.ConvOut(7, 2, 2, 0, 1, ceil: true));
        Assert.Equal(3, ShapeInference.ConvOut(7, 2, 2, 0, 1, ceil: false));
        Assert.Equal(56, ShapeInference.ConvOut(112, 3, 2, 1, 1, ceil: false));
    }

    [Fact]
    public void Builder_ChannelMismatchInAdd_ThrowsNamingNodeOpAndShapes()
    {
        using var b = new GraphBuilder("bad", [1, 3, 8, 8]);
        var a = b.Conv(b.Input, 8, 3, padding: 1, name: "a");
        var c = b.Conv(b.Input, 4, 3, padding: 1, name: "c");
        var e = Assert.Throws<GraphShapeException>(() => b.Add(a, c, "sum"));
        Assert.Equal("sum", e.NodeName);
        Assert.Equal(OpKind.Add, e.Op);
        Assert.Contains("'sum' (Add)", e.Message);
        Assert.Contains("[1, 8, 8, 8]", e.Message);
        Assert.Contains("[1, 4, 8, 8]", e.Message);
    }

    [Fact]
    public void Edit_ConvWeightDisagreeingWithNextLayer_ThrowsAndLeavesGraphUnchanged()
    {
        using var graph = ModelZoo.Create("resnet20");
        var before = graph.GetTensor("conv1.weight").Shape;
        var e = Assert.Throws<GraphShapeException>(() => graph.ReplaceTensor("conv1.weight", Tensor.Zeros([12, 3, 3, 3])));
        Assert.Equal("bn1", e.NodeName);
        Assert.Contains("[16]", e.Message);
        Assert.Contains("[1, 12, 32, 32]", e.Message);
        Assert.Equal(before, graph.GetTensor("conv1.weight").Shape);
        Assert.Equal([1, 16, 32, 32], graph.ShapeOf("conv1"));
    }

    [Fact]
    public void Edit_PruneConvOutputsAndConsumers_ReinfersShapes()
    {
        using var graph = ModelZoo.Create("resnet20");
        var before = graph.ParameterCount;
        // Narrow layer1.0's inner channels from 16 to 10 (conv1 outputs, bn1, conv2 inputs) as channel pruning would.
        using var keep = Tensor.Arange(0, 10);
        graph.Edit(new Dictionary<string, Tensor>
        {
            ["layer1.0.conv1.weight"] = graph.GetTensor("layer1.0.conv1.weight").Detach().IndexSelect(0, keep),
            ["layer1.0.bn1.weight"] = graph.GetTensor("layer1.0.bn1.weight").Detach().IndexSelect(0, keep),
            ["layer1.0.bn1.bias"] = graph.GetTensor("layer1.0.bn1.bias").Detach().IndexSelect(0, keep),
            ["layer1.0.bn1.running_mean"] = graph.GetTensor("layer1.0.bn1.running_mean").IndexSelect(0, keep),
            ["layer1.0.bn1.running_var"] = graph.GetTensor("layer1.0.bn1.running_var").IndexSelect(0, keep),
            ["layer1.0.conv2.weight"] = graph.GetTensor("layer1.0.conv2.weight").Detach().IndexSelect(1, keep),
        });
        Assert.Equal([1, 10, 32, 32], graph.ShapeOf("layer1.0.relu1"));
        Assert.True(graph.GetParameter("layer1.0.conv1.weight").Value.RequiresGrad);
        Assert.Equal(before - 6 * 16 * 9 - 6 * 2 - 16 * 6 * 9, graph.ParameterCount);
    }
}
