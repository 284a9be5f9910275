using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>Gather on constants (picking dimensions out of a Shape result); activations have no Gather in the IR.</summary>
internal static class GatherConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "axis");
        if (!context.IsConstantInput(node, 0))
        {
            _ = context.Activation(node, 0);
            throw new NotSupportedException("Gather is supported only on constants (shape arithmetic), not on values computed from the graph input");
        }

        var data = context.Constant(node, 0, "data");
        var indices = context.Constant(node, 1, "indices");
        var axis = ConstantOps.Axis(a.Int("axis", 0), data.Rank);
        var size = data.Shape[axis];
        var picked = indices.ToLongs("indices").Select(i => i >= -size && i < size
            ? (i < 0 ? i + size : i)
            : throw new InvalidDataException($"index {i} is outside dimension {axis} of size {size}")).ToArray();
        var perAxis = data.Shape.Select(d => Enumerable.Range(0, (int)d).Select(i => (long)i).ToArray()).ToArray();
        perAxis[axis] = picked;
        var shape = data.Shape[..axis].Concat(indices.Shape).Concat(data.Shape[(axis + 1)..]).ToArray();
        context.DefineConstant(node.Output[0], ConstantOps.Take(data, perAxis).Reshaped(shape));
    }
}
