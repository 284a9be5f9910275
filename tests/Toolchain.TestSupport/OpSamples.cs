using Toolchain.Graph;

namespace Toolchain.TestSupport;

/// <summary>
/// One tiny graph per <see cref="OpKind"/>, each with the op under test named "op" between a conv ("head", whose
/// channels the op reads) and a layer that reads the op's output ("tail"), so every layer's per-op rule (shapes,
/// kernel, cost, graph file, export, channel rule, compaction) can be exercised for every member of the enum. The
/// switch has no default arm: a new op does not compile until it has a sample here too.
/// </summary>
public static class OpSamples
{
    public static IEnumerable<OpKind> All => Enum.GetValues<OpKind>();

    public static ModelGraph Containing(OpKind op, ulong seed = 1)
    {
        using var b = new GraphBuilder($"sample_{op}", [2, 3, 8, 8], seed);
        var x = b.Conv(b.Input, 6, 3, padding: 1, name: "head");
        var y = op switch
        {
            OpKind.Conv => b.Conv(x, 5, 3, stride: 2, padding: 1, name: "op"),
            OpKind.BatchNorm => b.BatchNorm(x, "op"),
            OpKind.Relu => b.Relu(x, "op"),
            OpKind.Relu6 => b.Relu6(x, "op"),
            OpKind.Clip => b.Clip(x, -0.25, 0.5, "op"),
            OpKind.HardSwish => b.HardSwish(x, "op"),
            OpKind.HardSigmoid => b.HardSigmoid(x, "op"),
            OpKind.Sigmoid => b.Sigmoid(x, "op"),
            OpKind.SiLU => b.Silu(x, "op"),
            OpKind.Gelu => b.Gelu(x, "op"),
            OpKind.Add => b.Add(x, b.Conv(b.Input, 6, 1, name: "other"), "op"),
            OpKind.Mul => b.Mul(x, b.Sigmoid(b.GlobalAveragePool(x, "gate_pool"), "gate"), "op"),
            OpKind.Concat => b.Concat([x, b.Conv(b.Input, 2, 1, name: "other")], name: "op"),
            // Both parts, swapped, so each reaches the tail.
            OpKind.Split => b.Concat(b.Split(x, [2, 4], name: "op").Reverse().ToList(), name: "join"),
            OpKind.Slice => b.Slice(x, axis: 1, start: 1, end: 5, name: "op"),
            OpKind.MaxPool => b.MaxPool(x, 3, 2, 1, name: "op"),
            OpKind.AveragePool => b.AveragePool(x, 3, 2, 1, name: "op"),
            OpKind.GlobalAveragePool => b.GlobalAveragePool(x, "op"),
            OpKind.Flatten => b.Flatten(x, name: "op"),
            OpKind.Reshape => b.Reshape(x, [0, -1], "op"),
            // NHWC and back, so the tail reads channels where a conv expects them.
            OpKind.Transpose => b.Transpose(b.Transpose(x, [0, 2, 3, 1], "op"), [0, 3, 1, 2], "back"),
            OpKind.Gemm => b.Linear(b.Flatten(x, name: "flatten"), 5, name: "op"),
            OpKind.Dropout => b.Dropout(x, 0.3, "op"),
            OpKind.Identity => b.Identity(x, "op"),
            OpKind.Pad => b.Pad(x, PadAttributes.Spatial(1, 2, 2, 1).Pads, name: "op"),
            OpKind.ReduceMean => b.ReduceMean(x, [2, 3], keepDims: false, name: "op"),
            OpKind.LayerNorm => b.LayerNorm(x, 1e-6, "op"),
            // Bilinear to a non-square size, as a segmentation head upsamples to its input.
            OpKind.Resize => b.Resize(x, (12L, 10L), ResizeMode.Bilinear, name: "op"),
        };

        var tail = b.ShapeOf(y).Length == 4 ? b.Conv(y, 3, 1, name: "tail") : b.Linear(y, 3, name: "tail");
        b.Output(tail);
        return b.Build();
    }
}
