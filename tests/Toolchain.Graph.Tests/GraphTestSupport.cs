using Toolchain.TestSupport;
using Toolchain.Torch;
using F = Toolchain.Torch.Functional;

namespace Toolchain.Graph.Tests;

/// <summary>Helpers shared by the graph tests.</summary>
internal static class GraphTestSupport
{
    /// <summary>Copies of the state_dict, prefixed, for handing to the Python oracle.</summary>
    public static Dictionary<string, Tensor> WeightsFor(ModelGraph graph, string prefix = "w.") =>
        graph.StateDict().ToDictionary(kv => prefix + kv.Key, kv => kv.Value.Detach().Clone());

    /// <summary>
    /// Runs <paramref name="graph"/> in training mode on <paramref name="x"/> and checks its logits and every parameter's
    /// gradient of the summed cross-entropy against <c>graph_reference.py</c>'s <paramref name="referenceCase"/>; with
    /// <paramref name="inputGradient"/> also the gradient of <paramref name="x"/> (the case returns it as "grad.x").
    /// </summary>
    public static void AssertForwardAndGradientsMatchPyTorch(ModelGraph graph, string referenceCase, Tensor x, long[] labelValues, bool inputGradient = false)
    {
        using var scope = DisposeScope.Enter();
        var labels = Tensor.FromArray(labelValues);
        var inputs = WeightsFor(graph);
        inputs["x"] = x;
        inputs["labels"] = labels;
        var expected = PythonOracle.Run("reference/graph_reference.py", referenceCase, inputs);
        foreach (var t in expected.Values) scope.Own(t);

        graph.Training = true;
        if (inputGradient) x.RequiresGrad = true;
        var logits = graph.Forward(x);
        F.CrossEntropy(logits, labels, reduction: Reduction.Sum).Backward();
        TensorAssert.Close(expected["logits"], logits, 1e-5, 1e-5, "logits");
        if (inputGradient) TensorAssert.Close(expected["grad.x"], x.Grad!, 1e-4, 1e-5, "gradient of the input");
        foreach (var p in graph.Parameters) TensorAssert.Close(expected["grad." + p.Name], p.Grad!, 1e-4, 1e-5, $"gradient of {p.Name}");
    }
}
