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

        // ConvNeXt's NHWC stretches (Transpose, LayerNormalization or its decomposition below opset 17, MatMul, GELU,
        // MatMul, Transpose back) stay in NCHW.
        if (context.TryGetChannelsLast(node.Input[0], out var nchw) && Permutation(a, 4).SequenceEqual([0, 3, 1, 2]))
        {
            context.RequireUnusedOutputs(node, 1, "an optional output");
            context.DefineActivation(node.Output[0], nchw);
            return;
        }

        var x = context.Activation(node, 0);
        var perm = Permutation(a, context.ShapeOf(x).Length);
        if (perm.SequenceEqual([0, 2, 3, 1]) && !context.IsGraphOutput(node.Output[0]) && context.Consumers(node.Output[0]).Count > 0
            && (context.Consumers(node.Output[0]).All(c => c.OpType == "LayerNormalization") || DecomposedLayerNorm.StartsOn(context, node.Output[0])))
        {
            context.DefineChannelsLast(node.Output[0], x, context.NodeName(node));
            return;
        }

        context.EmitSingle(node, OpKind.Transpose, [x], new TransposeAttributes(perm));
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
