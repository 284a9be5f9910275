using Toolchain.Torch;
using Xunit.Sdk;

namespace Toolchain.TestSupport;

/// <summary>Numeric comparisons of tensors with messages that say where and by how much they differ.</summary>
public static class TensorAssert
{
    /// <summary>
    /// Asserts |a − e| ≤ atol + rtol·|e| elementwise (numpy's allclose) and equal shapes.
    /// </summary>
    public static void Close(Tensor expected, Tensor actual, double rtol = 1e-5, double atol = 1e-6, string? what = null)
    {
        var label = what is null ? "" : $"{what}: ";
        if (!expected.Shape.SequenceEqual(actual.Shape))
        {
            throw new XunitException($"{label}shape [{string.Join(", ", actual.Shape)}] differs from expected [{string.Join(", ", expected.Shape)}]");
        }

        var e = ToDoubles(expected);
        var a = ToDoubles(actual);
        var worst = -1;
        var worstExcess = 0.0;
        for (var i = 0; i < e.Length; i++)
        {
            var excess = Math.Abs(a[i] - e[i]) - (atol + rtol * Math.Abs(e[i]));
            if (double.IsNaN(a[i]) != double.IsNaN(e[i]) || excess > worstExcess)
            {
                worst = i;
                worstExcess = double.IsNaN(excess) ? double.PositiveInfinity : excess;
            }
        }

        if (worst >= 0)
        {
            throw new XunitException($"{label}element {worst} is {a[worst]:R}, expected {e[worst]:R} " +
                                     $"(|diff| {Math.Abs(a[worst] - e[worst]):E3} > atol {atol:E1} + rtol {rtol:E1}·|expected|)");
        }
    }

    /// <summary>Largest |a − e| relative to the largest |e| (the scale of the values).</summary>
    public static double MaxRelativeToScale(Tensor expected, Tensor actual)
    {
        var e = ToDoubles(expected);
        var a = ToDoubles(actual);
        var scale = e.Length == 0 ? 1 : Math.Max(e.Max(Math.Abs), 1e-12);
        var diff = e.Zip(a, (x, y) => Math.Abs(x - y)).DefaultIfEmpty(0).Max();
        return diff / scale;
    }

    public static double[] ToDoubles(Tensor t)
    {
        using var d = t.Detach();
        using var f = d.To(DType.Float64);
        return f.ToArray<double>();
    }
}
