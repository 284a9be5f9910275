using Onnx;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>
/// Shape folds to an integer vector at import time (the graph's shapes are static but for the batch); each
/// element remembers which dimension of which value it is, see <see cref="ReshapeConverter"/>.
/// </summary>
internal static class ShapeConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "start", "end");
        long[] shape;
        Func<int, DimRef?> dim;
        if (context.IsConstantInput(node, 0))
        {
            shape = context.Constant(node, 0, "data").Shape;
            dim = _ => null;
        }
        else
        {
            var x = context.Activation(node, 0);
            shape = context.ShapeOf(x);
            dim = i => new DimRef(x, i);
        }

        var rank = shape.Length;
        var start = (int)Math.Clamp(a.Int("start", 0) is var s && s < 0 ? s + rank : s, 0, rank);
        var end = (int)Math.Clamp(a.Int("end", rank) is var e && e < 0 ? e + rank : e, 0, rank);
        var count = Math.Max(0, end - start);
        context.DefineConstant(node.Output[0], ConstantValue.FromInts(
            shape.Skip(start).Take(count).ToArray(), [count], Enumerable.Range(start, count).Select(dim).ToArray()));
    }
}
