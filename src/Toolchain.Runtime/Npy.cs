using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Toolchain.Torch.Serialization;

namespace Toolchain.Runtime;

/// <summary>
/// NumPy's <c>.npy</c> format for <see cref="HostTensor"/>s. Writes version 1.0 (2.0 when the header needs it),
/// little-endian float32 (<c>&lt;f4</c>), C order, atomically (temp file, then rename). Reads versions 1.0–3.0 in
/// C order with element type <c>&lt;f4</c>, or <c>&lt;f8</c> / <c>&lt;i8</c> converted to float32.
/// </summary>
public static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static HostTensor Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"NumPy file '{path}' does not exist", path);
        var bytes = File.ReadAllBytes(path);
        return Parse(bytes, path);
    }

    /// <summary>Parses the bytes of a .npy file; <paramref name="source"/> names it in errors.</summary>
    public static HostTensor Parse(ReadOnlySpan<byte> bytes, string source)
    {
        var (descr, shape, dataStart) = ReadHeader(bytes, source);
        var elementSize = descr switch
        {
            "<f4" => 4,
            "<f8" or "<i8" => 8,
            _ => throw new InvalidDataException(
                $"'{source}' holds element type '{descr}'; only little-endian float32 ('<f4'), float64 ('<f8') and int64 ('<i8') can be read"),
        };

        // The shape is a number anyone can write: its size is checked against the bytes present before anything is allocated.
        var data = bytes[dataStart..];
        var count = 1.0;
        foreach (var d in shape) count *= d;
        if (count * elementSize > data.Length)
        {
            throw new InvalidDataException(
                $"'{source}' is truncated: shape {HostTensor.FormatShape(shape)} of '{descr}' needs {count * elementSize:G} data bytes, the file has {data.Length}");
        }

        var values = new float[(long)count];
        for (var i = 0; i < values.Length; i++)
        {
            var element = data.Slice(i * elementSize, elementSize);
            values[i] = descr switch
            {
                "<f4" => BinaryPrimitives.ReadSingleLittleEndian(element),
                "<f8" => (float)BinaryPrimitives.ReadDoubleLittleEndian(element),
                _ => BinaryPrimitives.ReadInt64LittleEndian(element),
            };
        }

        return new HostTensor(shape, values);
    }

    /// <summary>
    /// The element type (NumPy's descr, e.g. <c>&lt;f4</c>) and shape a .npy file declares, without reading its data: what a
    /// reader that needs one exact type and shape checks before it parses (a device agent's parity input).
    /// </summary>
    public static (string Descr, long[] Shape) Header(ReadOnlySpan<byte> bytes, string source)
    {
        var (descr, shape, _) = ReadHeader(bytes, source);
        return (descr, shape);
    }

    private static (string Descr, long[] Shape, int DataStart) ReadHeader(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"'{source}' is not a NumPy .npy file (it does not start with \\x93NUMPY)");
        }

        int major = bytes[6], headerStart;
        long headerLength;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]);
                headerStart = 10;
                break;
            case 2 or 3:
                if (bytes.Length < 12) throw new InvalidDataException($"'{source}': the .npy header is truncated");
                headerLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
                headerStart = 12;
                break;
            default:
                throw new InvalidDataException($"'{source}': .npy format version {major}.{bytes[7]} is not supported (1.0, 2.0 and 3.0 are)");
        }

        if (headerStart + headerLength > bytes.Length) throw new InvalidDataException($"'{source}': the .npy header is truncated");
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes.Slice(headerStart, (int)headerLength));
        var (descr, fortran, shape) = ParseHeader(header, source);
        if (fortran)
        {
            throw new InvalidDataException($"'{source}' is stored in Fortran order; save it in C order (np.ascontiguousarray) first");
        }

        foreach (var d in shape)
        {
            if (d < 0) throw new InvalidDataException($"'{source}': shape {HostTensor.FormatShape(shape)} has a negative dimension");
        }

        return (descr, shape, headerStart + (int)headerLength);
    }

    /// <summary>Writes <paramref name="tensor"/> as float32; the file appears complete or not at all.</summary>
    public static void Write(string path, HostTensor tensor)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensor);
        AtomicFile.WriteAllBytes(path, Encode(tensor)); // a missing folder is named by AtomicFile
    }

    /// <summary>The bytes of a .npy file holding <paramref name="tensor"/>.</summary>
    public static byte[] Encode(HostTensor tensor)
    {
        var dims = string.Join("", tensor.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture) + ", "));
        if (tensor.Shape.Length == 1) dims = dims.TrimEnd(' '); // (n,) as NumPy writes a 1-tuple
        else if (tensor.Shape.Length > 1) dims = dims[..^2];
        var dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";

        // The header (magic … newline) is padded with spaces to a multiple of 64 bytes so the data is aligned.
        var version = 1;
        var prefix = 10;
        var padded = (prefix + dict.Length + 1 + 63) / 64 * 64;
        if (padded - prefix > ushort.MaxValue)
        {
            // Only shapes with thousands of dimensions need it: version 2.0 has a 4-byte header length.
            (version, prefix) = (2, 12);
            padded = (prefix + dict.Length + 1 + 63) / 64 * 64;
        }

        var headerText = dict + new string(' ', padded - prefix - dict.Length - 1) + "\n";

        var result = new byte[padded + (long)tensor.Data.Length * sizeof(float)];
        Magic.CopyTo(result, 0);
        result[6] = (byte)version;
        result[7] = 0;
        if (version == 1) BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(8), (ushort)headerText.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(8), (uint)headerText.Length);
        Encoding.Latin1.GetBytes(headerText, result.AsSpan(prefix));
        var data = result.AsSpan(padded);
        for (var i = 0; i < tensor.Data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(data[(i * 4)..], tensor.Data[i]);
        return result;
    }

    private static (string Descr, bool Fortran, long[] Shape) ParseHeader(string header, string source)
    {
        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !fortran.Success || !shape.Success)
        {
            throw new InvalidDataException($"'{source}': the .npy header is malformed (need 'descr', 'fortran_order' and 'shape'): {header.Trim()}");
        }

        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var parsed = new long[dims.Length];
        for (var i = 0; i < dims.Length; i++)
        {
            // NumPy on some platforms writes 3L for long ints.
            if (!long.TryParse(dims[i].TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out parsed[i]))
            {
                throw new InvalidDataException($"'{source}': the .npy shape ({shape.Groups[1].Value}) is not a tuple of non-negative integers");
            }
        }

        return (descr.Groups[1].Value, fortran.Groups[1].Value == "True", parsed);
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
