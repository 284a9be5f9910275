using Toolchain.Torch;

namespace Toolchain.Graph.Tests;

/// <summary>Pad and ReduceMean: shapes and their errors, and forward and backward against PyTorch 1.13.</summary>
public sealed class PadReduceMeanTests
{
    [Fact]
    public void Pad_ShapesAddEachDimensionsBeforeAndAfter()
    {
        using var b = new GraphBuilder("pad", [2, 3, 5, 6]);
        Assert.Equal([2L, 3, 8, 9], b.ShapeOf(b.Pad(b.Input, PadAttributes.Spatial(1, 2, 2, 1).Pads, name: "spatial")));
        Assert.Equal([2L, 5, 5, 6], b.ShapeOf(b.Pad(b.Input, [0, 2, 0, 0, 0, 0, 0, 0], name: "channels")));
        Assert.Equal([2L, 3, 5, 6], b.ShapeOf(b.Pad(b.Input, new long[8], PadMode.Edge, name: "nothing")));
    }

    [Fact]
    public void Pad_ReflectAsFarAsTheExtent_ThrowsNamingNodeShapeAndLimit()
    {
        using var b = new GraphBuilder("pad", [1, 3, 4, 6]);
        var e = Assert.Throws<GraphShapeException>(() => b.Pad(b.Input, PadAttributes.Spatial(4, 0, 0, 0, PadMode.Reflect).Pads, PadMode.Reflect, name: "mirror"));
        Assert.Equal("mirror", e.NodeName);
        Assert.Equal(OpKind.Pad, e.Op);
        Assert.Contains("reflect padding 4 before, 0 after dimension 2 of [1, 3, 4, 6] must each be below its extent 4", e.Message);
    }

    [Theory]
    [InlineData(new long[] { 0, 0, 1, 1 }, "have 4 values; input [1, 3, 4, 6] needs 8")]
    [InlineData(new long[] { 0, 0, -1, 0, 0, 0, 0, 0 }, "are negative; cropping is a Slice")]
    public void Pad_BadPads_ThrowsSayingWhy(long[] pads, string reason)
    {
        using var b = new GraphBuilder("pad", [1, 3, 4, 6]);
        var e = Assert.Throws<GraphShapeException>(() => b.Pad(b.Input, pads, name: "p"));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void ReduceMean_KeepsOrDropsTheReducedDimensions()
    {
        using var b = new GraphBuilder("mean", [2, 3, 5, 6]);
        Assert.Equal([2L, 3, 1, 1], b.ShapeOf(b.ReduceMean(b.Input, [2, 3], name: "kept")));
        Assert.Equal([2L, 3], b.ShapeOf(b.ReduceMean(b.Input, [2, 3], keepDims: false, name: "dropped")));
        Assert.Equal([2L, 5, 6], b.ShapeOf(b.ReduceMean(b.Input, [1], keepDims: false, name: "channels")));
    }

    [Theory]
    [InlineData(new[] { 3, 2 })]
    [InlineData(new[] { 2, 2 })]
    [InlineData(new[] { 4 })]
    [InlineData(new int[0])]
    public void ReduceMean_AxesNotAscendingDistinctInside_Throws(int[] axes)
    {
        using var b = new GraphBuilder("mean", [2, 3, 5, 6]);
        var e = Assert.Throws<GraphShapeException>(() => b.ReduceMean(b.Input, axes, name: "m"));
        Assert.Contains("must be ascending, distinct and inside input [2, 3, 5, 6]", e.Message);
    }

    [Fact]
    public void PadAndReduceMean_ForwardAndGradients_MatchPyTorch()
    {
        using var scope = DisposeScope.Enter();
        using var graph = Build();
        GraphTestSupport.AssertForwardAndGradientsMatchPyTorch(graph, "pad_mean", Tensor.RandN([2, 3, 7, 6]), [1, 4]);
    }

    /// <summary>The network of graph_reference.py's pad_mean, in ONNX's pads layout (begins, then ends).</summary>
    private static ModelGraph Build()
    {
        using var b = new GraphBuilder("pad_mean", [2, 3, 7, 6], seed: 4);
        var c = b.Conv(b.Input, 4, 3, name: "conv");
        c = b.Pad(c, PadAttributes.Spatial(top: 1, left: 2, bottom: 2, right: 1).Pads, PadMode.Reflect, name: "reflect");
        c = b.Pad(c, PadAttributes.Spatial(top: 1, left: 0, bottom: 0, right: 3).Pads, PadMode.Edge, name: "edge");
        c = b.Pad(c, PadAttributes.Spatial(top: 2, left: 1, bottom: 0, right: 1).Pads, PadMode.Constant, 0.25, name: "constant");
        c = b.Add(c, b.ReduceMean(c, [2, 3], name: "mean"), "add");
        var y = b.ReduceMean(b.Conv(c, 5, 1, name: "conv2"), [2, 3], keepDims: false, name: "gap");
        b.Output(y);
        return b.Build();
    }
}
