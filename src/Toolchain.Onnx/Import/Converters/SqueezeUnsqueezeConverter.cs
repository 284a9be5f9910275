using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>Unsqueeze and Squeeze of constants; axes come as an attribute (opset ≤ 12) or an input (opset ≥ 13).</summary>
internal static class SqueezeUnsqueezeConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "axes");
        if (!context.IsConstantInput(node, 0))
        {
            _ = context.Activation(node, 0);
            throw new NotSupportedException($"{node.OpType} is supported only on constants (shape arithmetic), not on values computed from the graph input");
        }

        var data = context.Constant(node, 0, "data");
        var axes = a.Ints("axes") ?? context.OptionalConstant(node, 1, "axes")?.ToLongs("axes");
        long[] shape;
        if (node.OpType == "Unsqueeze")
        {
            if (axes is null) throw new InvalidDataException("Unsqueeze needs axes");
            var rank = data.Rank + axes.Length;
            var inserted = axes.Select(x => ConstantOps.Axis(x, rank)).ToHashSet();
            var rest = new Queue<long>(data.Shape);
            shape = Enumerable.Range(0, rank).Select(d => inserted.Contains(d) ? 1 : rest.Dequeue()).ToArray();
        }
        else
        {
            var removed = axes?.Select(x => ConstantOps.Axis(x, data.Rank)).ToHashSet()
                          ?? Enumerable.Range(0, data.Rank).Where(d => data.Shape[d] == 1).ToHashSet();
            if (removed.Any(d => data.Shape[d] != 1))
            {
                throw new InvalidDataException($"cannot squeeze axes [{string.Join(", ", removed)}] of {Shapes.Format(data.Shape)}: not all are 1");
            }

            shape = data.Shape.Where((_, d) => !removed.Contains(d)).ToArray();
        }

        context.DefineConstant(node.Output[0], data.Reshaped(shape));
    }
}
