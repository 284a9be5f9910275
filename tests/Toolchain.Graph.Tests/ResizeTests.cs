using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Graph.Tests;

/// <summary>Resize (nearest, bilinear, align_corners, sizes and scale factors) in the executor: shapes, refusals, and forward and backward against PyTorch's F.interpolate.</summary>
public sealed class ResizeTests
{
    [Fact]
    public void Resize_ToASize_KeepsBatchAndChannels()
    {
        using var b = new GraphBuilder("resize", [2, 3, 5, 6]);
        Assert.Equal([2L, 3, 64, 96], b.ShapeOf(b.Resize(b.Input, (64L, 96L), name: "up")));
    }

    [Fact]
    public void Resize_ByScales_FloorsTheProduct()
    {
        using var b = new GraphBuilder("resize", [2, 3, 7, 6]);
        Assert.Equal([2L, 3, 10, 3], b.ShapeOf(b.Resize(b.Input, (1.5, 0.5), name: "rescale")));
    }

    [Fact]
    public void Resize_BelowOnePixel_IsRefusedNamingTheNode()
    {
        using var b = new GraphBuilder("resize", [2, 3, 3, 6]);
        var e = Assert.Throws<GraphShapeException>(() => b.Resize(b.Input, (0.25, 1.0), name: "shrink"));
        Assert.Equal("shrink", e.NodeName);
        Assert.Contains("at least 1x1", e.Message);
    }

    [Fact]
    public void Resize_NearestWithAlignCorners_IsRefused()
    {
        using var b = new GraphBuilder("resize", [1, 3, 4, 4]);
        var e = Assert.Throws<GraphShapeException>(() => b.Resize(b.Input, (8L, 8L), ResizeMode.Nearest, alignCorners: true, name: "up"));
        Assert.Contains("align_corners applies to bilinear", e.Message);
    }

    [Fact]
    public void Resize_OfARank2Value_IsRefused()
    {
        using var b = new GraphBuilder("resize", [1, 3, 4, 4]);
        var flat = b.Flatten(b.Input, name: "flat");
        var e = Assert.Throws<GraphShapeException>(() => b.Resize(flat, (8L, 8L), name: "up"));
        Assert.Contains("expected rank 4", e.Message);
    }

    [Fact]
    public void Resize_ForwardAndGradients_MatchPyTorch()
    {
        using var scope = DisposeScope.Enter();
        using var graph = Build();
        GraphTestSupport.AssertForwardAndGradientsMatchPyTorch(graph, "resize", Tensor.RandN([2, 3, 7, 6]), [1, 4]);
    }

    /// <summary>The network of graph_reference.py's resize.</summary>
    private static ModelGraph Build()
    {
        using var b = new GraphBuilder("resize", [2, 3, 7, 6], seed: 7);
        var c = b.Conv(b.Input, 4, 3, name: "conv");
        c = GraphFixtures.ResizeChain(b, c);
        var y = b.ReduceMean(b.Conv(c, 5, 1, name: "conv2"), [2, 3], keepDims: false, name: "gap");
        b.Output(y);
        return b.Build();
    }
}
