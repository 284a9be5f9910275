using Toolchain.Torch;

namespace Toolchain.Graph.Tests;

/// <summary>Helpers shared by the graph tests.</summary>
internal static class GraphTestSupport
{
    /// <summary>Gives every BatchNorm non-trivial statistics and affine values, so eval mode is not the identity.</summary>
    public static void RandomizeBatchNorms(ModelGraph graph)
    {
        foreach (var node in graph.Nodes.Where(n => n.Op == OpKind.BatchNorm))
        {
            var c = graph.ShapeOf(node.Output)[1];
            graph.Edit(new Dictionary<string, Tensor>
            {
                [node.TensorName(TensorRole.Weight)!] = Tensor.Rand([c], 0.5, 1.5),
                [node.TensorName(TensorRole.Bias)!] = Tensor.RandN([c], 0, 0.1),
                [node.TensorName(TensorRole.RunningMean)!] = Tensor.RandN([c], 0, 0.1),
                [node.TensorName(TensorRole.RunningVar)!] = Tensor.Rand([c], 0.5, 1.5),
            });
        }
    }

    /// <summary>Copies of the state_dict, prefixed, for handing to the Python oracle.</summary>
    public static Dictionary<string, Tensor> WeightsFor(ModelGraph graph, string prefix = "w.") =>
        graph.StateDict().ToDictionary(kv => prefix + kv.Key, kv => kv.Value.Detach().Clone());
}
