using Toolchain.Torch;

namespace Toolchain.Graph.Tests;

/// <summary>
/// LayerNorm over the channels of an NCHW value in the executor: forward and the gradients of the input, the weight
/// and the bias against PyTorch's F.layer_norm over the last axis of the NHWC permutation (ConvNeXt's LayerNorm).
/// </summary>
public sealed class LayerNormTests
{
    [Fact]
    public void LayerNorm_ShapeIsTheInputs()
    {
        using var b = new GraphBuilder("layer_norm", [2, 3, 5, 6]);
        Assert.Equal([2L, 3, 5, 6], b.ShapeOf(b.LayerNorm(b.Input, name: "norm")));
    }

    [Fact]
    public void LayerNorm_ForwardAndGradientsOfInputWeightAndBias_MatchPyTorch()
    {
        using var scope = DisposeScope.Enter();
        using var graph = Build();
        // Scaled and shifted so the statistics matter; channels of different scales so ε and the variance do too.
        var x = Tensor.RandN([2, 4, 5, 6]) * Tensor.FromArray(new[] { 0.5f, 1f, 2f, 4f }, 1, 4, 1, 1) + 0.3;
        GraphTestSupport.AssertForwardAndGradientsMatchPyTorch(graph, "layer_norm", x, [1, 4], inputGradient: true);
    }

    /// <summary>The network of graph_reference.py's layer_norm, with a weight and bias that are not 1 and 0.</summary>
    private static ModelGraph Build()
    {
        using var b = new GraphBuilder("layer_norm", [2, 4, 5, 6], seed: 6);
        var n = b.LayerNorm(b.Input, epsilon: 1e-6, name: "norm");
        var y = b.ReduceMean(b.Conv(n, 5, 1, name: "conv"), [2, 3], keepDims: false, name: "gap");
        b.Output(y);
        var graph = b.Build();
        graph.GetParameter("norm.weight").Replace(Tensor.Rand([4]) + 0.5);
        graph.GetParameter("norm.bias").Replace(Tensor.RandN([4]) * 0.1);
        return graph;
    }
}
