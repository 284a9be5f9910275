using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>
/// Reshape to a shape known at import time: a constant, or what the Shape→Gather→Unsqueeze→Concat sub-graph of
/// <c>x.view(x.size(0), -1)</c> folds to. Each element of the target that stands for the reshape input's own
/// dimension at that position (or for the batch, at position 0) becomes 0, "copy", so a dynamic batch stays
/// dynamic; every other element is fixed at its value for the import's input shape.
/// </summary>
internal static class ReshapeConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "allowzero");
        var target = context.Constant(node, 1, "shape");
        if (target.Rank != 1) throw new InvalidDataException($"shape must be a vector, it has shape {Shapes.Format(target.Shape)}");
        var values = target.ToLongs("shape");
        if (a.Int("allowzero", 0) != 0 && values.Contains(0))
        {
            throw new NotSupportedException("allowzero=1 with a 0 in the shape (an empty dimension) is not supported");
        }

        if (context.IsConstantInput(node, 0))
        {
            var data = context.Constant(node, 0, "data");
            var shape = ShapeInference.Reshape(data.Shape, values)
                        ?? throw new InvalidDataException($"constant {Shapes.Format(data.Shape)} cannot take shape [{string.Join(", ", values)}]");
            context.DefineConstant(node.Output[0], data.Reshaped(shape));
            return;
        }

        var x = context.Activation(node, 0);
        var input = context.ShapeOf(x);
        var result = new long[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var copiesInputDim = target.Dims?[i] is { } dim && dim.Axis == i && (dim.Value == x || i == 0) &&
                                 i < input.Length && values[i] == input[i];
            result[i] = copiesInputDim ? 0 : values[i];
        }

        context.EmitSingle(node, OpKind.Reshape, [x], new ReshapeAttributes(result));
    }
}
