using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>
/// Add, Mul, Sub, Div. On two constants (shape arithmetic) they fold; Add and Mul of two activations become graph
/// nodes. A constant added right after MatMul/Gemm is folded into its bias by those converters; any other mix of
/// an activation with a constant has no op in the IR.
/// </summary>
internal static class ElementwiseConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        _ = new NodeAttributes(node);
        if (node.Input.Count != 2) throw new InvalidDataException($"{node.OpType} needs 2 inputs, it has {node.Input.Count}");
        if (context.IsConstantInput(node, 0) && context.IsConstantInput(node, 1))
        {
            var (a, b) = (context.Constant(node, 0, "A"), context.Constant(node, 1, "B"));
            context.DefineConstant(node.Output[0], node.OpType switch
            {
                "Add" => ConstantValue.Elementwise(a, b, (x, y) => x + y, (x, y) => x + y),
                "Sub" => ConstantValue.Elementwise(a, b, (x, y) => x - y, (x, y) => x - y),
                "Mul" => ConstantValue.Elementwise(a, b, (x, y) => x * y, (x, y) => x * y),
                "Div" => ConstantValue.Elementwise(a, b, (x, y) => y == 0 ? throw new DivideByZeroException("integer division by zero") : x / y, (x, y) => x / y),
                _ => throw new InvalidOperationException($"{node.OpType} is not elementwise"),
            });
            return;
        }

        // GELU as PyTorch writes it starts with x / √2.
        if (node.OpType == "Div" && GeluConverter.TryConvertPattern(context, node)) return;

        var op = node.OpType switch
        {
            "Add" => OpKind.Add,
            "Mul" => OpKind.Mul,
            _ => throw new NotSupportedException($"{node.OpType} is supported only on constants (shape arithmetic), not on values computed from the graph input" +
                                                 (node.OpType == "Div" ? ", and inside GELU and LayerNorm as PyTorch writes them" : node.OpType == "Sub" ? ", and inside LayerNorm as PyTorch writes it below opset 17" : "")),
        };
        if (op == OpKind.Mul && LayerScale(context, node)) return;
        if (context.IsConstantInput(node, 0) || context.IsConstantInput(node, 1))
        {
            throw new NotSupportedException(op == OpKind.Add
                ? "adding a constant to an activation is supported only as the bias right after MatMul or Gemm"
                : "multiplying an activation by a constant is not supported; the IR's Mul takes two activations");
        }

        context.EmitSingle(node, op, [context.Activation(node, 0), context.Activation(node, 1)], NoAttributes.Instance);
    }

    /// <summary>
    /// A 4-D activation times a constant of one value per channel ([C, 1, 1] or [1, C, 1, 1]: ConvNeXt's layer scale,
    /// a trained parameter): a depthwise 1×1 convolution without bias, whose weight is that constant.
    /// </summary>
    private static bool LayerScale(ImportContext context, NodeProto node)
    {
        var constantIndex = context.IsConstantInput(node, 1) ? 1 : context.IsConstantInput(node, 0) ? 0 : -1;
        if (constantIndex < 0 || !context.IsActivation(node.Input[1 - constantIndex])) return false;
        var x = context.Activation(node, 1 - constantIndex);
        var shape = context.ShapeOf(x);
        var scale = context.Constant(node, constantIndex, "scale");
        if (shape.Length != 4 || !scale.IsFloat) return false;
        var channels = shape[1];
        if (!(scale.Shape is [var c, 1, 1] && c == channels || scale.Shape is [1, var c1, 1, 1] && c1 == channels)) return false;
        context.EmitSingle(node, OpKind.Conv, [x], ConvAttributes.Square(1, 1, 0, 1, (int)channels),
            [(TensorRole.Weight, () => LinearLayer.Reshaped(scale.ToTensor(), [channels, 1, 1, 1]))]);
        return true;
    }
}
