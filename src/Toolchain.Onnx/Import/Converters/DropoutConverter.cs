using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>
/// Dropout with its ratio (attribute before opset 12, constant input after). Like PyTorch's module it is active
/// only while the graph trains, whatever training_mode the export recorded.
/// </summary>
internal static class DropoutConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "ratio", "seed");
        context.RequireUnusedOutputs(node, 1, "the mask");
        var x = context.Activation(node, 0);
        var ratio = context.OptionalConstant(node, 1, "ratio")?.ScalarValue("ratio") ?? a.Float("ratio", 0.5);
        _ = context.OptionalConstant(node, 2, "training_mode");
        if (ratio is < 0 or >= 1) throw new InvalidDataException($"ratio {ratio} must be in [0, 1)");
        context.EmitSingle(node, OpKind.Dropout, [x], new DropoutAttributes(NodeAttributes.Decimal((float)ratio)));
    }
}
