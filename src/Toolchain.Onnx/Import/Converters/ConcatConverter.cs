using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>Concat of activations (a graph node) or of constants (folded, e.g. the target shape of a Reshape).</summary>
internal static class ConcatConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "axis");
        if (!a.Has("axis")) throw new InvalidDataException("Concat needs an axis");
        var indices = Enumerable.Range(0, node.Input.Count).ToArray();
        if (indices.Length == 0) throw new InvalidDataException("Concat has no inputs");
        if (indices.All(i => context.IsConstantInput(node, i)))
        {
            var parts = indices.Select(i => context.Constant(node, i, $"input {i}")).ToList();
            context.DefineConstant(node.Output[0], ConstantOps.Concat(parts, ConstantOps.Axis(a.Int("axis", 0), parts[0].Rank)));
            return;
        }

        if (indices.Any(i => context.IsConstantInput(node, i)))
        {
            throw new NotSupportedException("concatenating activations with constants is not supported; the IR's Concat takes activations only");
        }

        var inputs = indices.Select(i => context.Activation(node, i)).ToArray();
        var axis = ConstantOps.Axis(a.Int("axis", 0), context.ShapeOf(inputs[0]).Length);
        context.EmitSingle(node, OpKind.Concat, inputs, new ConcatAttributes(axis));
    }
}
