using Toolchain.Torch;

namespace Toolchain.Graph.Tests;

/// <summary>GELU (exact, erf form) in the executor: forward and backward against PyTorch's F.gelu.</summary>
public sealed class GeluTests
{
    [Fact]
    public void Gelu_ShapeIsTheInputs()
    {
        using var b = new GraphBuilder("gelu", [2, 3, 5, 6]);
        Assert.Equal([2L, 3, 5, 6], b.ShapeOf(b.Gelu(b.Input, "act")));
    }

    [Fact]
    public void Gelu_ForwardAndGradients_MatchPyTorch()
    {
        using var scope = DisposeScope.Enter();
        using var graph = Build();
        GraphTestSupport.AssertForwardAndGradientsMatchPyTorch(graph, "gelu", Tensor.RandN([2, 3, 7, 6]) * 2, [1, 4]);
    }

    /// <summary>The network of graph_reference.py's gelu.</summary>
    private static ModelGraph Build()
    {
        using var b = new GraphBuilder("gelu", [2, 3, 7, 6], seed: 5);
        var c = b.Gelu(b.Conv(b.Input, 4, 3, name: "conv"), "act");
        var y = b.ReduceMean(b.Conv(c, 5, 1, name: "conv2"), [2, 3], keepDims: false, name: "gap");
        b.Output(y);
        return b.Build();
    }
}
