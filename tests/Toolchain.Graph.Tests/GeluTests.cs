using Toolchain.TestSupport;
using Toolchain.Torch;
using F = Toolchain.Torch.Functional;

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
        var x = Tensor.RandN([2, 3, 7, 6]) * 2;
        var labels = Tensor.FromArray(new long[] { 1, 4 });
        var inputs = GraphTestSupport.WeightsFor(graph);
        inputs["x"] = x;
        inputs["labels"] = labels;
        var expected = PythonOracle.Run("reference/graph_reference.py", "gelu", inputs);
        foreach (var t in expected.Values) scope.Own(t);

        graph.Training = true;
        var logits = graph.Forward(x);
        F.CrossEntropy(logits, labels, reduction: Reduction.Sum).Backward();
        TensorAssert.Close(expected["logits"], logits, 1e-5, 1e-5, "logits");
        foreach (var p in graph.Parameters) TensorAssert.Close(expected["grad." + p.Name], p.Grad!, 1e-4, 1e-5, $"gradient of {p.Name}");
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
