using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;

namespace Toolchain.Onnx.Import;

/// <summary>ONNX sparse initializers (COO) turned into the dense tensors they stand for, float32 values only.</summary>
internal static class SparseTensors
{
    /// <exception cref="InvalidDataException">values that are not float32 raw data, indices that are not int64, or an index out of range; the message names the tensor.</exception>
    public static TensorProto ToDense(SparseTensorProto sparse)
    {
        var name = sparse.Values?.Name ?? "?";
        var what = $"sparse initializer '{name}'";
        if (sparse.Values is null || sparse.Indices is null) throw new InvalidDataException($"{what} has no values or no indices");
        if (sparse.Values.DataType != (int)TensorProto.Types.DataType.Float) throw new InvalidDataException($"{what}: only float32 values are supported (data type {sparse.Values.DataType})");
        if (sparse.Indices.DataType != (int)TensorProto.Types.DataType.Int64) throw new InvalidDataException($"{what}: only int64 indices are supported (data type {sparse.Indices.DataType})");
        var values = sparse.Values.RawData.Length > 0
            ? Enumerable.Range(0, sparse.Values.RawData.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(sparse.Values.RawData.Span[(i * 4)..])).ToArray()
            : sparse.Values.FloatData.ToArray();
        var indices = sparse.Indices.RawData.Length > 0
            ? Enumerable.Range(0, sparse.Indices.RawData.Length / 8).Select(i => BinaryPrimitives.ReadInt64LittleEndian(sparse.Indices.RawData.Span[(i * 8)..])).ToArray()
            : sparse.Indices.Int64Data.ToArray();
        var dims = sparse.Dims.ToArray();
        var count = dims.Aggregate(1L, (a, b) => a * b);
        var rank = dims.Length;
        // Linear indices [nnz], or coordinates [nnz, rank] (the two forms the ONNX spec allows).
        var coordinates = sparse.Indices.Dims.Count == 2;
        if (indices.Length != values.Length * (coordinates ? rank : 1)) throw new InvalidDataException($"{what}: {values.Length} values but {indices.Length} indices");
        var dense = new byte[count * 4];
        for (var i = 0; i < values.Length; i++)
        {
            var at = 0L;
            if (coordinates)
            {
                for (var d = 0; d < rank; d++) at = at * dims[d] + indices[(i * rank) + d];
            }
            else
            {
                at = indices[i];
            }

            if (at < 0 || at >= count) throw new InvalidDataException($"{what}: index {at} is outside its {count} entries");
            BinaryPrimitives.WriteSingleLittleEndian(dense.AsSpan((int)(at * 4)), values[i]);
        }

        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(dense) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}
