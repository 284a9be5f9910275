using Onnx;

namespace Toolchain.Onnx;

/// <summary>
/// A graph input as the file declares it: its name, its element type as NumPy names it (<c>float32</c>, <c>int64</c>, …;
/// the ONNX type's name when NumPy has none) and its shape, −1 where a dimension is symbolic or missing. No shape at all
/// (a non-tensor input, or a tensor without a shape field) is <see cref="Shape"/> null.
/// </summary>
public sealed record OnnxGraphInput(string Name, string ElementType, long[]? Shape)
{
    internal static OnnxGraphInput Of(ValueInfoProto input)
    {
        var tensor = input.Type?.TensorType;
        if (tensor is null) return new OnnxGraphInput(input.Name, "not a tensor", null);
        var type = (TensorProto.Types.DataType)tensor.ElemType switch
        {
            TensorProto.Types.DataType.Float => "float32",
            TensorProto.Types.DataType.Double => "float64",
            TensorProto.Types.DataType.Float16 => "float16",
            TensorProto.Types.DataType.Int64 => "int64",
            TensorProto.Types.DataType.Int32 => "int32",
            TensorProto.Types.DataType.Uint8 => "uint8",
            TensorProto.Types.DataType.Bool => "bool",
            var other => other.ToString(),
        };
        var shape = tensor.Shape?.Dim.Select(d => d.HasDimValue && d.DimValue >= 0 ? d.DimValue : -1).ToArray();
        return new OnnxGraphInput(input.Name, type, shape);
    }
}
