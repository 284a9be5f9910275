using System.Runtime.InteropServices;
using Onnx;
using Toolchain.Graph;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Toolchain.Onnx.Import;

/// <summary>Reads an ONNX <c>TensorProto</c> (raw_data or the typed fields) into a <see cref="ConstantValue"/>.</summary>
internal static class TensorDecoder
{
    /// <param name="what">How error messages call the tensor, e.g. "initializer 'fc.weight'".</param>
    public static ConstantValue Decode(TensorProto tensor, string what)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0)
        {
            var location = tensor.ExternalData.FirstOrDefault(e => e.Key == "location")?.Value ?? "?";
            throw new NotSupportedException($"{what} keeps its data in the external file '{location}', which the importer does not read; " +
                                            "save the model with its weights inside (onnx.save_model(model, path, save_as_external_data=False))");
        }

        if (tensor.Segment is not null) throw new NotSupportedException($"{what} is stored in segments, which the importer does not read");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian; this machine is not");

        var shape = tensor.Dims.ToArray();
        if (shape.Any(d => d < 0)) throw new InvalidDataException($"{what} has a negative dimension in {Shapes.Format(shape)}");
        var count = Shapes.Product(shape);
        var raw = tensor.RawData;
        var type = (DataType)tensor.DataType;

        void CheckCount(long found, string field)
        {
            if (found != count) throw new InvalidDataException($"{what} of shape {Shapes.Format(shape)} needs {count} {type} values, its {field} holds {found}");
        }

        switch (type)
        {
            case DataType.Float:
                if (!raw.IsEmpty)
                {
                    CheckCount(raw.Length / 4, "raw_data");
                    if (raw.Length % 4 != 0) throw new InvalidDataException($"{what}: raw_data of {raw.Length} bytes is not a whole number of floats");
                    return ConstantValue.FromRawFloats(raw.Memory, shape);
                }

                CheckCount(tensor.FloatData.Count, "float_data");
                return ConstantValue.FromFloats(tensor.FloatData.ToArray(), shape);

            case DataType.Double:
            {
                double[] values;
                if (!raw.IsEmpty)
                {
                    if (raw.Length % 8 != 0) throw new InvalidDataException($"{what}: raw_data of {raw.Length} bytes is not a whole number of doubles");
                    values = MemoryMarshal.Cast<byte, double>(raw.Span).ToArray();
                }
                else
                {
                    values = tensor.DoubleData.ToArray();
                }

                CheckCount(values.Length, raw.IsEmpty ? "double_data" : "raw_data");
                return ConstantValue.FromFloats(values.Select(v => (float)v).ToArray(), shape);
            }

            case DataType.Int64:
            {
                var values = raw.IsEmpty ? tensor.Int64Data.ToArray() : RawIntegers(raw.Span, 8, what);
                CheckCount(values.Length, raw.IsEmpty ? "int64_data" : "raw_data");
                return ConstantValue.FromInts(values, shape);
            }

            case DataType.Int32 or DataType.Int16 or DataType.Int8 or DataType.Uint8 or DataType.Uint16 or DataType.Bool:
            {
                var size = type switch { DataType.Int32 => 4, DataType.Int16 or DataType.Uint16 => 2, _ => 1 };
                var signed = type is DataType.Int32 or DataType.Int16 or DataType.Int8;
                var values = raw.IsEmpty ? tensor.Int32Data.Select(v => (long)v).ToArray() : RawIntegers(raw.Span, size, what, signed);
                CheckCount(values.Length, raw.IsEmpty ? "int32_data" : "raw_data");
                return ConstantValue.FromInts(values, shape);
            }

            default:
                throw new NotSupportedException($"{what} has data type {type}; the importer reads float, double and integer tensors");
        }
    }

    private static long[] RawIntegers(ReadOnlySpan<byte> raw, int size, string what, bool signed = true)
    {
        if (raw.Length % size != 0) throw new InvalidDataException($"{what}: raw_data of {raw.Length} bytes is not a whole number of {size}-byte integers");
        return size switch
        {
            8 => MemoryMarshal.Cast<byte, long>(raw).ToArray(),
            4 => MemoryMarshal.Cast<byte, int>(raw).ToArray().Select(v => (long)v).ToArray(),
            2 => signed
                ? MemoryMarshal.Cast<byte, short>(raw).ToArray().Select(v => (long)v).ToArray()
                : MemoryMarshal.Cast<byte, ushort>(raw).ToArray().Select(v => (long)v).ToArray(),
            _ => signed ? raw.ToArray().Select(v => (long)(sbyte)v).ToArray() : raw.ToArray().Select(v => (long)v).ToArray(),
        };
    }
}
