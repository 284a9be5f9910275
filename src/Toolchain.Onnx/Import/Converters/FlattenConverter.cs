using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>Flatten to two dimensions at 'axis' (default 1; negative counts from the end).</summary>
internal static class FlattenConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "axis");
        var x = context.Activation(node, 0);
        var rank = context.ShapeOf(x).Length;
        var axis = a.Int("axis", 1);
        if (axis < 0) axis += rank;
        if (axis < 0 || axis > rank) throw new InvalidDataException($"axis {a.Int("axis", 1)} is outside an input of rank {rank}");
        context.EmitSingle(node, OpKind.Flatten, [x], new FlattenAttributes((int)axis));
    }
}
