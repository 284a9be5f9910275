using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Toolchain.Torch.Serialization;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face's): an 8-byte little-endian header length, a JSON
/// header mapping each name to {dtype, shape, data_offsets} (plus optional string "__metadata__"), then the raw
/// little-endian, row-major bytes of every tensor. Other tools (the Python safetensors package, a plain
/// json+numpy reader) read what this writes.
/// </summary>
public static class SafeTensors
{
    private const string MetadataKey = "__metadata__";
    private const long MaxHeaderBytes = 100_000_000;

    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/> atomically: a temporary file is written and
    /// renamed, so a failure never leaves a half-written file under the final name.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToArray();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header[MetadataKey] = meta;
        }

        long offset = 0;
        foreach (var name in names)
        {
            if (name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' is reserved and cannot name a tensor");
            var t = tensors[name];
            var bytes = t.NumElements * t.DType.ElementSize();
            header[name] = new JsonObject
            {
                ["dtype"] = Code(t.DType),
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }

        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (json.Length + 7) / 8 * 8; // the reference writer pads the header to 8 bytes with spaces
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            stream.Write(length);
            stream.Write(json);
            for (var i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
            foreach (var name in names) WriteData(stream, tensors[name]);
        }, createFolder: true);
    }

    /// <summary>Metadata of a safetensors file (empty when it has none).</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using var stream = Open(path);
        return ReadHeader(stream, path).Metadata;
    }

    /// <summary>Loads every tensor of a safetensors file as new CPU tensors owned by the caller.</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        using var stream = Open(path);
        var header = ReadHeader(stream, path);
        var result = new Dictionary<string, Tensor>();
        try
        {
            foreach (var entry in header.Entries)
            {
                var bytes = new byte[entry.End - entry.Begin];
                stream.Position = header.DataStart + entry.Begin;
                stream.ReadExactly(bytes);
                result[entry.Name] = FromBytes(bytes, entry.Shape, entry.DType).DetachFromScope();
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }

        return result;
    }

    private sealed record Entry(string Name, DType DType, long[] Shape, long Begin, long End);

    private sealed record Header(IReadOnlyList<Entry> Entries, IReadOnlyDictionary<string, string> Metadata, long DataStart);

    private static FileStream Open(string path) =>
        File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read)
            : throw new FileNotFoundException($"safetensors file '{path}' does not exist", path);

    private static Header ReadHeader(FileStream stream, string path)
    {
        InvalidDataException Bad(string what) => new($"'{path}' is not a valid safetensors file: {what}");

        Span<byte> length = stackalloc byte[8];
        if (stream.Read(length) != 8) throw Bad("shorter than the 8-byte header length");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(length);
        if (headerLength > MaxHeaderBytes || (long)headerLength > stream.Length - 8)
        {
            throw Bad($"header length {headerLength} exceeds the file ({stream.Length} bytes)");
        }

        var json = new byte[headerLength];
        stream.ReadExactly(json);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json)?.AsObject() ?? throw Bad("the header is not a JSON object");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw Bad($"the header is not valid JSON ({e.Message})");
        }

        var dataStart = 8 + (long)headerLength;
        var dataLength = stream.Length - dataStart;
        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>();
        var current = MetadataKey;
        try
        {
            foreach (var (name, node) in root)
            {
                current = name;
                if (name == MetadataKey)
                {
                    foreach (var (k, v) in node?.AsObject() ?? []) metadata[k] = v?.GetValue<string>() ?? "";
                    continue;
                }

                var dtype = Parse(node!["dtype"]!.GetValue<string>());
                var shape = node["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                var offsets = node["data_offsets"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                if (shape.Any(d => d < 0)) throw Bad($"tensor '{name}': shape [{string.Join(", ", shape)}] has a negative dimension");
                var expected = checked(shape.Aggregate(1L, (a, b) => checked(a * b)) * dtype.ElementSize());
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] > dataLength || offsets[1] - offsets[0] != expected)
                {
                    throw Bad($"tensor '{name}': offsets [{string.Join(", ", offsets)}] do not hold shape [{string.Join(", ", shape)}] of {dtype.Name()} " +
                              $"({expected} bytes) inside the {dataLength}-byte data section");
                }

                entries.Add(new Entry(name, dtype, shape, offsets[0], offsets[1]));
            }
        }
        // The JSON DOM reports a missing value as a null (the `!` above), a value of another type or invalid UTF-8 as
        // InvalidOperationException; a shape whose size overflows as OverflowException. All are the file's fault.
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or OverflowException)
        {
            throw Bad(current == MetadataKey
                ? $"the metadata is not a map of strings ({e.Message})"
                : $"tensor '{current}' lacks a valid dtype, shape or data_offsets ({e.Message})");
        }

        return new Header(entries, metadata, dataStart);
    }

    private static void WriteData(Stream stream, Tensor tensor)
    {
        var bytes = new byte[tensor.NumElements * tensor.DType.ElementSize()];
        tensor.CopyRawTo(bytes);
        stream.Write(bytes);
    }

    private static Tensor FromBytes(byte[] bytes, long[] shape, DType dtype) => Tensor.FromRaw(bytes, shape, dtype);

    private static string Code(DType dtype) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Int64 => "I64",
        DType.Bool => "BOOL",
        DType.Float64 => "F64",
        _ => throw new NotSupportedException($"safetensors: dtype {dtype} has no code"),
    };

    private static DType Parse(string code) => code switch
    {
        "F32" => DType.Float32,
        "I64" => DType.Int64,
        "BOOL" => DType.Bool,
        "F64" => DType.Float64,
        _ => throw new FormatException($"unsupported dtype '{code}' (supported: F32, I64, BOOL, F64)"),
    };
}
