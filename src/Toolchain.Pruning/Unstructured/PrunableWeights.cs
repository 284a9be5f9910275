using Toolchain.Graph;
using Toolchain.Torch;

namespace Toolchain.Pruning;

/// <summary>
/// The weights unstructured sparsity counts and masks: every Conv and Gemm (linear) weight tensor, entry by entry.
/// Biases and BatchNorm scales and shifts are never masked: they are a tiny share of the parameters, and zeroing a
/// BatchNorm shift is not removing a weight but moving every activation of its channel (SWD's authors mask BatchNorm
/// with the same threshold and lose small shifts that way; METHODS.md).
/// </summary>
public static class PrunableWeights
{
    /// <summary>The conv and linear weights of <paramref name="graph"/>, in node order (each once, also when shared).</summary>
    public static IReadOnlyList<Parameter> Of(ModelGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var result = new List<Parameter>();
        foreach (var node in graph.Nodes)
        {
            if (node.Op is not (OpKind.Conv or OpKind.Gemm) || node.TensorName(TensorRole.Weight) is not { } name) continue;
            if (graph.FindParameter(name) is { } p && !result.Contains(p)) result.Add(p);
        }

        if (result.Count == 0) throw new ArgumentException($"graph '{graph.Name}' has no conv or linear weights to sparsify");
        return result;
    }

    /// <summary>How many entries the conv and linear weights have together (what params=50% of an unstructured budget is a share of).</summary>
    public static long Count(ModelGraph graph) => Of(graph).Sum(p => p.NumElements);
}
