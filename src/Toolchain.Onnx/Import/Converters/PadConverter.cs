using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>
/// Pad of an activation. Opset 11 moved the pads and the constant from attributes ('pads', 'value', opset ≤ 10) to
/// inputs 1 and 2, which must be constants; opset 18's 'axes' input (pads for some dimensions only) is read too, so
/// a later writer's file converts the same way. Modes constant, reflect and edge; 'wrap' (opset 19) and negative
/// pads (cropping) are refused.
/// </summary>
internal static class PadConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "mode", "pads", "value");
        var x = context.Activation(node, 0);
        var rank = context.ShapeOf(x).Length;
        var mode = (a.String("mode") ?? "constant") switch
        {
            "constant" => PadMode.Constant,
            "reflect" => PadMode.Reflect,
            "edge" => PadMode.Edge,
            var other => throw new NotSupportedException($"mode '{other}' is not supported (constant, reflect and edge are)"),
        };

        var given = a.Ints("pads") ?? context.Constant(node, 1, "pads").ToLongs("pads");
        var axes = context.OptionalConstant(node, 3, "axes")?.ToLongs("axes").Select(d => ConstantOps.Axis(d, rank, "pads axis")).ToArray()
                   ?? Enumerable.Range(0, rank).ToArray();
        if (given.Length != 2 * axes.Length)
        {
            throw new InvalidDataException($"pads [{string.Join(", ", given)}] have {given.Length} values; {axes.Length} padded dimensions need {2 * axes.Length}");
        }

        if (given.Any(p => p < 0))
        {
            throw new NotSupportedException($"negative pads [{string.Join(", ", given)}] (cropping) are not supported; export the crop as a Slice");
        }

        // Spread the pads of the named axes over every dimension, in ONNX's layout: begins, then ends.
        var pads = new long[2 * rank];
        for (var i = 0; i < axes.Length; i++)
        {
            pads[axes[i]] = given[i];
            pads[rank + axes[i]] = given[axes.Length + i];
        }

        var value = context.OptionalConstant(node, 2, "constant_value") is { } constant
            ? NodeAttributes.Decimal((float)constant.ScalarValue("constant_value"))
            : a.Float("value", 0);
        context.EmitSingle(node, OpKind.Pad, [x], new PadAttributes(pads, mode, value));
    }
}
