using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Export;

/// <summary>
/// The ONNX shape of every value. With a dynamic batch, shapes are inferred at two batch sizes: a dimension that
/// equals the batch at both is the symbol "batch", one that changes otherwise (e.g. batch·C after a Reshape) is left
/// unnamed, the rest are fixed. That also proves the graph works at another batch size before we claim it does.
/// </summary>
internal static class ValueShapes
{
    public const string BatchSymbol = "batch";

    public static Dictionary<string, TensorShapeProto> For(ModelGraph graph, bool dynamicBatch)
    {
        var shapes = graph.ValueShapes;
        if (!dynamicBatch) return shapes.ToDictionary(kv => kv.Key, kv => Fixed(kv.Value), StringComparer.Ordinal);

        var input = graph.InputShape;
        if (input.Length == 0) throw new OnnxExportException($"ONNX export of graph '{graph.Name}': a scalar input has no batch dimension; export with DynamicBatch = false");
        var batch = input[0];
        var otherBatch = batch + 1;
        input[0] = otherBatch;
        Dictionary<string, long[]> other;
        try
        {
            other = ShapeInference.Infer(graph.Nodes, graph.InputName, input, name => graph.GetTensor(name).Shape);
        }
        catch (GraphShapeException e)
        {
            throw new OnnxExportException(e.NodeName, e.Op,
                $"the graph does not run at batch size {otherBatch} ({e.Message}); export with DynamicBatch = false", e);
        }

        foreach (var output in graph.OutputNames.Where(o => shapes[o] is not [var b, ..] || b != batch || other[o][0] != otherBatch))
        {
            var producer = graph.Producer(output)!;
            throw new OnnxExportException(producer.Name, producer.Op,
                $"the graph output '{output}' does not keep the batch in dimension 0 ({Shapes.Format(shapes[output])} at batch {batch}, " +
                $"{Shapes.Format(other[output])} at batch {otherBatch}), e.g. a Reshape to a fixed batch size; export with DynamicBatch = false");
        }

        return shapes.ToDictionary(kv => kv.Key, kv => Dynamic(kv.Value, other[kv.Key], batch, otherBatch), StringComparer.Ordinal);
    }

    /// <summary>A float32 tensor value of the given shape.</summary>
    public static ValueInfoProto FloatValue(string name, TensorShapeProto shape) => new()
    {
        Name = name,
        Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
    };

    private static TensorShapeProto Fixed(long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return shape;
    }

    private static TensorShapeProto Dynamic(long[] dims, long[] otherDims, long batch, long otherBatch)
    {
        var shape = new TensorShapeProto();
        for (var i = 0; i < dims.Length; i++)
        {
            shape.Dim.Add(dims[i] == otherDims[i] ? new TensorShapeProto.Types.Dimension { DimValue = dims[i] }
                : dims[i] == batch && otherDims[i] == otherBatch ? new TensorShapeProto.Types.Dimension { DimParam = BatchSymbol }
                : new TensorShapeProto.Types.Dimension());
        }

        return shape;
    }
}
