using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>
/// ReduceMean of an activation: axes from the attribute (opsets up to 17), or from input 1 as opset 18 writes it;
/// no axes reduce every dimension (ONNX's default; with opset 18's noop_with_empty_axes = 1 they reduce none, which
/// becomes an Identity). keepdims defaults to 1.
/// </summary>
internal static class ReduceMeanConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        // LayerNorm as PyTorch writes it below opset 17 starts with a ReduceMean.
        if (DecomposedLayerNorm.TryConvert(context, node)) return;

        var a = Attributes(node);
        var x = context.Activation(node, 0);
        var rank = context.ShapeOf(x).Length;
        var axes = NamedAxes(context, node, a, rank);
        if (axes.Length == 0)
        {
            if (a.Int("noop_with_empty_axes", 0) != 0)
            {
                context.EmitSingle(node, OpKind.Identity, [x], NoAttributes.Instance);
                return;
            }

            axes = Enumerable.Range(0, rank).ToArray();
        }

        context.EmitSingle(node, OpKind.ReduceMean, [x], new ReduceMeanAttributes(axes, KeepDims: a.Int("keepdims", 1) != 0));
    }

    public static NodeAttributes Attributes(NodeProto node) => new(node, "axes", "keepdims", "noop_with_empty_axes");

    /// <summary>The axes <paramref name="node"/> names (the attribute, or input 1 as opset 18 writes it), each in
    /// [0, <paramref name="rank"/>), sorted; empty when it names none.</summary>
    public static int[] NamedAxes(ImportContext context, NodeProto node, NodeAttributes a, int rank)
    {
        var given = a.Ints("axes") ?? context.OptionalConstant(node, 1, "axes")?.ToLongs("axes") ?? [];
        var axes = given.Select(d => ConstantOps.Axis(d, rank, "axes value")).Distinct().Order().ToArray();
        if (axes.Length != given.Length) throw new InvalidDataException($"axes [{string.Join(", ", given)}] name a dimension twice");
        return axes;
    }
}
