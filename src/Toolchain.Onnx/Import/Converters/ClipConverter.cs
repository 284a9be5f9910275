using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>
/// Clip with bounds as constant inputs (opset 11+) or as attributes (older writers). Clip(0, 6) is PyTorch's
/// ReLU6 and becomes that op, which is what the rest of the toolchain (and the exporter) recognise.
/// </summary>
internal static class ClipConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "min", "max");
        var x = context.Activation(node, 0);
        var min = Bound(context, node, a, 1, "min");
        var max = Bound(context, node, a, 2, "max");
        if (min is 0 && max is 6)
        {
            context.EmitSingle(node, OpKind.Relu6, [x], NoAttributes.Instance);
        }
        else
        {
            context.EmitSingle(node, OpKind.Clip, [x], new ClipAttributes(min, max));
        }
    }

    private static double? Bound(ImportContext context, NodeProto node, NodeAttributes attributes, int input, string name)
    {
        if (ImportContext.HasInput(node, input)) return NodeAttributes.Decimal((float)context.Constant(node, input, name).ScalarValue(name));
        return attributes.Has(name) ? attributes.Float(name, 0) : null;
    }
}
