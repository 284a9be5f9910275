using System.Runtime.InteropServices;
using Toolchain.Graph;
using Toolchain.Torch;

namespace Toolchain.Onnx.Import;

/// <summary>Dimension <see cref="Axis"/> of the graph value <see cref="Value"/>: what an element of a Shape result stands for.</summary>
internal readonly record struct DimRef(string Value, int Axis);

/// <summary>
/// A tensor known at import time: an initializer, a Constant node or the folded result of shape arithmetic. It
/// lives in managed memory; large float weights stay in the protobuf buffer until a node turns them into a
/// parameter, so a model's weights are copied once. Integer vectors computed by Shape remember which graph
/// dimension each element stands for (<see cref="Dims"/>), which lets Reshape keep a dynamic batch dynamic.
/// </summary>
internal sealed class ConstantValue
{
    private readonly ReadOnlyMemory<byte> _rawFloats;
    private readonly float[]? _floats;
    private readonly long[]? _ints;

    private ConstantValue(long[] shape, ReadOnlyMemory<byte> rawFloats, float[]? floats, long[]? ints, DimRef?[]? dims)
    {
        Shape = shape;
        _rawFloats = rawFloats;
        _floats = floats;
        _ints = ints;
        Dims = dims is not null && dims.Any(d => d is not null) ? dims : null;
    }

    public static ConstantValue FromFloats(float[] data, long[] shape) => new(shape, default, data, null, null);

    /// <summary>Little-endian float32 bytes, not copied.</summary>
    public static ConstantValue FromRawFloats(ReadOnlyMemory<byte> data, long[] shape) => new(shape, data, null, null, null);

    public static ConstantValue FromInts(long[] data, long[] shape, DimRef?[]? dims = null) => new(shape, default, null, data, dims);

    public static ConstantValue Scalar(long value) => FromInts([value], []);

    public long[] Shape { get; }

    public bool IsFloat => _ints is null;

    public int Rank => Shape.Length;

    public long Count => Shapes.Product(Shape);

    /// <summary>Per element (integer constants only): the graph dimension it equals, or null where it is a plain number.</summary>
    public DimRef?[]? Dims { get; }

    public ReadOnlySpan<float> FloatSpan =>
        _floats ?? (_ints is null ? MemoryMarshal.Cast<byte, float>(_rawFloats.Span) : throw new InvalidOperationException("integer constant read as floats"));

    /// <summary>The elements as doubles (for scalars and small vectors).</summary>
    public double[] ToDoubles()
    {
        if (_ints is not null) return _ints.Select(v => (double)v).ToArray();
        var span = FloatSpan;
        var result = new double[span.Length];
        for (var i = 0; i < span.Length; i++) result[i] = span[i];
        return result;
    }

    /// <summary>The elements as integers; floats must hold whole numbers.</summary>
    public long[] ToLongs(string what)
    {
        if (_ints is not null) return _ints;
        return ToDoubles().Select(v => v == Math.Floor(v) && Math.Abs(v) < 9e18
            ? (long)v
            : throw new InvalidDataException($"{what} must hold integers, found {v}")).ToArray();
    }

    /// <summary>The single element of a scalar or one-element tensor.</summary>
    public double ScalarValue(string what) => Count == 1 ? ToDoubles()[0]
        : throw new InvalidDataException($"{what} must be a single value, got a tensor of shape {Shapes.Format(Shape)}");

    /// <summary>A new float32 libtorch tensor with these values (the caller owns it).</summary>
    public Tensor ToTensor()
    {
        ReadOnlySpan<float> data = _ints is null ? FloatSpan : _ints.Select(v => (float)v).ToArray();
        if (Shape.Length > 0) return Tensor.FromSpan(data, Shape);
        // FromSpan reads an empty shape as "one dimension"; a scalar is that vector reshaped.
        using var vector = Tensor.FromSpan(data, [1]);
        return vector.Reshape([]);
    }

    public ConstantValue Reshaped(long[] shape)
    {
        if (Shapes.Product(shape) != Count) throw new InvalidOperationException($"cannot reshape {Shapes.Format(Shape)} to {Shapes.Format(shape)}");
        return new ConstantValue(shape, _rawFloats, _floats, _ints, Dims);
    }

    /// <summary>A constant of <paramref name="shape"/> whose element i is this constant's element <paramref name="sources"/>[i].</summary>
    public ConstantValue Select(long[] shape, long[] sources)
    {
        if (_ints is not null)
        {
            var dims = Dims is null ? null : sources.Select(s => Dims[s]).ToArray();
            return FromInts(sources.Select(s => _ints[s]).ToArray(), shape, dims);
        }

        var span = FloatSpan;
        var result = new float[sources.Length];
        for (var i = 0; i < sources.Length; i++) result[i] = span[(int)sources[i]];
        return FromFloats(result, shape);
    }

    /// <summary>All elements of <paramref name="parts"/> one after another, as a flat vector (floats if any part is).</summary>
    public static ConstantValue Flatten(IReadOnlyList<ConstantValue> parts)
    {
        var total = parts.Sum(p => p.Count);
        if (parts.All(p => !p.IsFloat))
        {
            var dims = parts.SelectMany(p => p.Dims ?? new DimRef?[p.Count]).ToArray();
            return FromInts(parts.SelectMany(p => p._ints!).ToArray(), [total], dims);
        }

        return FromFloats(parts.SelectMany(p => p.ToDoubles()).Select(v => (float)v).ToArray(), [total]);
    }

    /// <summary>Integer or float values with numpy broadcasting: the result shape and element-wise op.</summary>
    public static ConstantValue Elementwise(ConstantValue a, ConstantValue b, Func<long, long, long> intOp, Func<double, double, double> floatOp)
    {
        var shape = ShapeInference.Broadcast(a.Shape, b.Shape)
            ?? throw new InvalidDataException($"constant shapes {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)} do not broadcast");
        var count = Shapes.Product(shape);
        var ia = new long[count];
        var ib = new long[count];
        for (var i = 0L; i < count; i++)
        {
            ia[i] = BroadcastSource(shape, a.Shape, i);
            ib[i] = BroadcastSource(shape, b.Shape, i);
        }

        if (!a.IsFloat && !b.IsFloat)
        {
            return FromInts(ia.Zip(ib, (x, y) => intOp(a._ints![x], b._ints![y])).ToArray(), shape);
        }

        var da = a.ToDoubles();
        var db = b.ToDoubles();
        return FromFloats(ia.Zip(ib, (x, y) => (float)floatOp(da[x], db[y])).ToArray(), shape);
    }

    /// <summary>Flat index into <paramref name="input"/> of the element broadcast to flat index <paramref name="flat"/> of <paramref name="output"/>.</summary>
    private static long BroadcastSource(long[] output, long[] input, long flat)
    {
        long source = 0, stride = 1;
        for (var d = output.Length - 1; d >= 0; d--)
        {
            var index = flat % output[d];
            flat /= output[d];
            var inputDim = d - (output.Length - input.Length);
            if (inputDim < 0) continue;
            if (input[inputDim] != 1) source += index * stride;
            stride *= input[inputDim];
        }

        return source;
    }

    public override string ToString() =>
        $"constant {Shapes.Format(Shape)}" + (Count <= 8 ? $" = [{string.Join(", ", ToDoubles())}]" : "");
}
