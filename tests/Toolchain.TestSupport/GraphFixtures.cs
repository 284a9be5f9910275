using Toolchain.Graph;
using Toolchain.Torch;

namespace Toolchain.TestSupport;

/// <summary>Graphs and graph edits several test projects need.</summary>
public static class GraphFixtures
{
    /// <summary>
    /// Gives every BatchNorm non-trivial statistics and affine values, so eval mode (and folding) is not the identity.
    /// Pass a <paramref name="generator"/> where a test compares two computations at a tolerance: libtorch's global
    /// generator is drawn from by every test running in parallel, so without one each run checks other values.
    /// </summary>
    public static void RandomizeBatchNorms(ModelGraph graph, Generator? generator = null)
    {
        foreach (var node in graph.Nodes.Where(n => n.Op == OpKind.BatchNorm))
        {
            var c = graph.ShapeOf(node.Output)[1];
            graph.Edit(new Dictionary<string, Tensor>
            {
                [node.TensorName(TensorRole.Weight)!] = Tensor.Rand([c], 0.5, 1.5, generator: generator),
                [node.TensorName(TensorRole.Bias)!] = Tensor.RandN([c], 0, 0.1, generator: generator),
                [node.TensorName(TensorRole.RunningMean)!] = Tensor.RandN([c], 0, 0.1, generator: generator),
                [node.TensorName(TensorRole.RunningVar)!] = Tensor.Rand([c], 0.5, 1.5, generator: generator),
            });
        }
    }

    /// <summary>
    /// Every Resize mode PyTorch exports, one after another on <paramref name="x"/>: bilinear to 11×9, nearest ×2,
    /// bilinear with align_corners to 5×7, bilinear ×1.5 (not a whole size), nearest down to 3×5 (graph_reference.py's resize).
    /// </summary>
    public static string ResizeChain(GraphBuilder b, string x)
    {
        x = b.Resize(x, (11L, 9L), ResizeMode.Bilinear, name: "bilinear");
        x = b.Resize(x, (2.0, 2.0), ResizeMode.Nearest, name: "nearest_x2");
        x = b.Resize(x, (5L, 7L), ResizeMode.Bilinear, alignCorners: true, name: "aligned");
        x = b.Resize(x, (1.5, 1.5), ResizeMode.Bilinear, name: "bilinear_x1_5");
        return b.Resize(x, (3L, 5L), ResizeMode.Nearest, name: "nearest_down");
    }

    /// <summary>
    /// A small graph with every structural op: split, slice, grouped and depthwise convs, concat, squeeze-excite
    /// mul, clip, pooling, an NHWC transpose and reshape into a Linear.
    /// </summary>
    public static ModelGraph MixedTopology(string name = "topology", ulong seed = 1)
    {
        using var b = new GraphBuilder(name, [2, 3, 16, 16], seed);
        var x = b.Conv(b.Input, 8, 3, stride: 2, padding: 1, name: "stem");
        x = b.BatchNorm(x, "stem_bn");
        x = b.HardSwish(x, "stem_act");
        var parts = b.Split(x, [3, 5], name: "split");
        var left = b.Conv(parts[0], 6, 3, padding: 1, groups: 3, name: "grouped");
        var right = b.Slice(parts[1], axis: 1, start: 1, end: 5, name: "slice");
        right = b.Conv(right, 4, 3, padding: 1, groups: 4, bias: false, name: "depthwise");
        x = b.Concat([left, right], name: "concat");
        var se = b.GlobalAveragePool(x, "se_pool");
        se = b.Conv(se, 10, 1, name: "se_fc");
        se = b.HardSigmoid(se, "se_gate");
        x = b.Mul(x, se, "se_mul");
        x = b.Clip(x, 0, 6, "clip");
        x = b.AveragePool(x, 2, name: "pool");
        x = b.Transpose(x, [0, 2, 3, 1], name: "nhwc");
        x = b.Reshape(x, [0, -1], name: "reshape");
        x = b.Dropout(x, 0.3, "drop");
        b.Output(b.Linear(x, 5, name: "fc"));
        return b.Build();
    }
}
