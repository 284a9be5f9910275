using Toolchain.Torch;

namespace Toolchain.Graph.Tests;

/// <summary>Helpers shared by the graph tests.</summary>
internal static class GraphTestSupport
{
    /// <summary>Copies of the state_dict, prefixed, for handing to the Python oracle.</summary>
    public static Dictionary<string, Tensor> WeightsFor(ModelGraph graph, string prefix = "w.") =>
        graph.StateDict().ToDictionary(kv => prefix + kv.Key, kv => kv.Value.Detach().Clone());
}
