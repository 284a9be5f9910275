using Toolchain.Graph;

namespace Toolchain.Onnx.Import;

/// <summary>Index gymnastics on <see cref="ConstantValue"/>s: what shape sub-graphs fold to.</summary>
internal static class ConstantOps
{
    /// <summary>A negative axis counts from the end; the result is in [0, rank).</summary>
    public static int Axis(long axis, int rank, string what = "axis")
    {
        var a = axis < 0 ? axis + rank : axis;
        return a >= 0 && a < rank ? (int)a : throw new InvalidDataException($"{what} {axis} is outside a tensor of rank {rank}");
    }

    /// <summary>The sub-tensor at the given indices per axis (numpy's x[np.ix_(…)]).</summary>
    public static ConstantValue Take(ConstantValue value, long[][] indices)
    {
        var shape = indices.Select(i => (long)i.Length).ToArray();
        var strides = Strides(value.Shape);
        var count = Shapes.Product(shape);
        var sources = new long[count];
        for (var flat = 0L; flat < count; flat++)
        {
            long rest = flat, source = 0;
            for (var d = shape.Length - 1; d >= 0; d--)
            {
                source += indices[d][rest % shape[d]] * strides[d];
                rest /= shape[d];
            }

            sources[flat] = source;
        }

        return value.Select(shape, sources);
    }

    /// <summary>Concatenation along <paramref name="axis"/> of constants that agree elsewhere.</summary>
    public static ConstantValue Concat(IReadOnlyList<ConstantValue> parts, int axis)
    {
        var first = parts[0].Shape;
        foreach (var p in parts)
        {
            if (p.Rank != first.Length || Enumerable.Range(0, first.Length).Any(d => d != axis && p.Shape[d] != first[d]))
            {
                throw new InvalidDataException($"constants {string.Join(", ", parts.Select(q => Shapes.Format(q.Shape)))} differ outside axis {axis}");
            }
        }

        var outer = Shapes.Product(first, 0, axis);
        var inner = Shapes.Product(first, axis + 1);
        var bases = new long[parts.Count];
        for (var p = 1; p < parts.Count; p++) bases[p] = bases[p - 1] + parts[p - 1].Count;
        var sources = new List<long>();
        for (var o = 0L; o < outer; o++)
        {
            for (var p = 0; p < parts.Count; p++)
            {
                var size = parts[p].Shape[axis];
                for (var k = 0L; k < size * inner; k++) sources.Add(bases[p] + o * size * inner + k);
            }
        }

        var shape = (long[])first.Clone();
        shape[axis] = parts.Sum(p => p.Shape[axis]);
        return ConstantValue.Flatten(parts).Select(shape, sources.ToArray());
    }

    /// <summary>Output dimension i is input dimension <paramref name="permutation"/>[i].</summary>
    public static ConstantValue Transpose(ConstantValue value, int[] permutation)
    {
        var shape = permutation.Select(p => value.Shape[p]).ToArray();
        var strides = Strides(value.Shape);
        var count = value.Count;
        var sources = new long[count];
        for (var flat = 0L; flat < count; flat++)
        {
            long rest = flat, source = 0;
            for (var d = shape.Length - 1; d >= 0; d--)
            {
                source += rest % shape[d] * strides[permutation[d]];
                rest /= shape[d];
            }

            sources[flat] = source;
        }

        return value.Select(shape, sources);
    }

    private static long[] Strides(long[] shape)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (var d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= shape[d];
        }

        return strides;
    }
}
