using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>Transpose by 'perm' (default: reverse the dimensions); constants are transposed at import time.</summary>
internal static class TransposeConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "perm");
        if (context.IsConstantInput(node, 0))
        {
            var data = context.Constant(node, 0, "data");
            context.DefineConstant(node.Output[0], ConstantOps.Transpose(data, Permutation(a, data.Rank)));
            return;
        }

        var x = context.Activation(node, 0);
        context.EmitSingle(node, OpKind.Transpose, [x], new TransposeAttributes(Permutation(a, context.ShapeOf(x).Length)));
    }

    private static int[] Permutation(NodeAttributes a, int rank)
    {
        var perm = a.Ints("perm")?.Select(p => ConstantOps.Axis(p, rank, "perm entry")).ToArray()
                   ?? Enumerable.Range(0, rank).Reverse().ToArray();
        if (perm.Length != rank || perm.Distinct().Count() != rank)
        {
            throw new InvalidDataException($"perm [{string.Join(", ", perm)}] is not a permutation of {rank} dimensions");
        }

        return perm;
    }
}
