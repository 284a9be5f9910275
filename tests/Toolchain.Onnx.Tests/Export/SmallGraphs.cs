using Toolchain.Graph;

namespace Toolchain.Onnx.Tests.Export;

/// <summary>Hand-built graphs for the ops and cases the zoo models do not have.</summary>
internal static class SmallGraphs
{
    /// <summary>
    /// Split, Slice, Transpose, Reshape, Concat, SiLU, HardSigmoid, HardSwish, Sigmoid, Mul, Clip with each bound open,
    /// Dropout, average pooling without the padding counted, ceil-mode max pooling, a dilated grouped conv with bias
    /// before a BatchNorm, a BatchNorm that follows no conv, and Identity.
    /// </summary>
    public static ModelGraph EveryOtherOp()
    {
        using var b = new GraphBuilder("every_other_op", [1, 4, 12, 12], seed: 5, inputName: "image");
        var x = b.Conv(b.Input, 8, 3, padding: 2, dilation: 2, groups: 2, bias: true, name: "stem");
        x = b.BatchNorm(x, "stem_bn");
        x = b.HardSwish(x, "stem_act");
        var parts = b.Split(x, [3, 5], name: "split");
        var left = b.Silu(parts[0], "silu");
        var gate = b.HardSigmoid(parts[1], "gate");
        var capped = b.Clip(parts[1], null, 0.7, "cap");
        var right = b.Mul(gate, capped, "gated");
        var joined = b.Concat([left, right], name: "join");
        var average = b.AveragePool(joined, 3, 2, padding: 1, countIncludePad: false, name: "avg");
        var max = b.MaxPool(joined, 3, 2, ceilMode: true, name: "max");
        var sum = b.Add(average, max, "sum");
        sum = b.BatchNorm(sum, "sum_bn");
        var squeeze = b.Sigmoid(b.GlobalAveragePool(sum, "squeeze_pool"), "squeeze");
        sum = b.Mul(sum, squeeze, "excite");
        var sliced = b.Slice(sum, axis: 3, start: 1, end: -1, step: 2, name: "slice");
        var moved = b.Transpose(sliced, [0, 2, 1, 3], "transpose");
        var flat = b.Reshape(moved, [0, -1], "flat");
        flat = b.Clip(flat, -0.5, null, "floor");
        flat = b.Dropout(flat, 0.3, "drop");
        var logits = b.Linear(flat, 5, name: "fc");
        b.Output(b.Identity(logits, "logits"));
        return b.Build();
    }
}
