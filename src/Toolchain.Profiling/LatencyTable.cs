namespace Toolchain.Profiling;

/// <summary>
/// Measured latencies (ms) of one layer configuration on a lattice of widths: one or two axes of strictly
/// increasing widths, values row-major (the last axis fastest). Between samples the latency is interpolated
/// (piecewise) linearly along each axis, so a staircase sampled on both sides of each step is reproduced
/// exactly, and the interpolant has partial derivatives everywhere (the slope of the segment below a sample
/// at a sample: the rate at which removing channels saves time).
/// </summary>
public sealed class LatencyTable
{
    private readonly int[][] _axes;
    private readonly double[] _values;

    public LatencyTable(IReadOnlyList<int[]> axes, IReadOnlyList<double> valuesMs)
    {
        ArgumentNullException.ThrowIfNull(axes);
        ArgumentNullException.ThrowIfNull(valuesMs);
        if (axes.Count is < 1 or > 2) throw new ArgumentException($"a latency table has one or two axes, got {axes.Count}", nameof(axes));
        for (var d = 0; d < axes.Count; d++)
        {
            var axis = axes[d] ?? throw new ArgumentNullException(nameof(axes), $"axis {d} is null");
            if (axis.Length == 0) throw new ArgumentException($"axis {d} has no widths", nameof(axes));
            if (axis[0] < 1) throw new ArgumentException($"axis {d} starts at width {axis[0]}; widths are ≥ 1", nameof(axes));
            for (var i = 1; i < axis.Length; i++)
            {
                if (axis[i] <= axis[i - 1]) throw new ArgumentException($"axis {d} is not strictly increasing at position {i} ({axis[i - 1]}, {axis[i]})", nameof(axes));
            }
        }

        var count = axes.Aggregate(1, (n, a) => n * a.Length);
        if (valuesMs.Count != count) throw new ArgumentException($"the axes span {count} samples but {valuesMs.Count} latencies were given", nameof(valuesMs));
        if (valuesMs.Any(v => !double.IsFinite(v) || v < 0)) throw new ArgumentException("latencies must be finite and non-negative", nameof(valuesMs));
        _axes = axes.Select(a => (int[])a.Clone()).ToArray();
        _values = valuesMs.ToArray();
    }

    public IReadOnlyList<int[]> Axes => _axes;

    /// <summary>The samples, row-major.</summary>
    public IReadOnlyList<double> Values => _values;

    public int Rank => _axes.Length;

    /// <summary>The measured sample at lattice position <paramref name="index"/>.</summary>
    public double At(params int[] index) => _values[Flat(index)];

    /// <summary>Whether every coordinate lies within its axis' range.</summary>
    public bool Covers(IReadOnlyList<double> point) =>
        point.Count == Rank && point.Select((x, d) => x >= _axes[d][0] - 1e-9 && x <= _axes[d][^1] + 1e-9).All(ok => ok);

    /// <summary>The interpolated latency at <paramref name="point"/> (one width per axis).</summary>
    public double Interpolate(IReadOnlyList<double> point) => Interpolate(point, null);

    /// <summary>The interpolated latency, and its partial derivative along each axis written to <paramref name="gradient"/> when given.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A coordinate lies outside its axis' range.</exception>
    public double Interpolate(IReadOnlyList<double> point, double[]? gradient)
    {
        ArgumentNullException.ThrowIfNull(point);
        if (point.Count != Rank) throw new ArgumentException($"the table has {Rank} axes; got {point.Count} widths", nameof(point));
        Span<int> lo = stackalloc int[2];
        Span<double> t = stackalloc double[2];
        Span<double> inverseSpan = stackalloc double[2];
        for (var d = 0; d < Rank; d++) (lo[d], t[d], inverseSpan[d]) = Segment(d, point[d]);

        double value = 0;
        if (gradient is not null) Array.Clear(gradient, 0, Rank);
        var corners = 1 << Rank;
        Span<int> index = stackalloc int[Rank];
        for (var c = 0; c < corners; c++)
        {
            double weight = 1;
            var exists = true;
            for (var d = 0; d < Rank; d++)
            {
                var upper = (c >> d & 1) == 1;
                exists &= !upper || inverseSpan[d] != 0; // a single-sample axis has no upper corner
                weight *= upper ? t[d] : 1 - t[d];
                index[d] = lo[d] + (upper ? 1 : 0);
            }

            if (!exists) continue;
            var v = _values[Flat(index)];
            value += weight * v;
            if (gradient is null) continue;
            for (var d = 0; d < Rank; d++)
            {
                if (inverseSpan[d] == 0) continue;
                // ∂weight/∂t_d replaces the factor of axis d by ±1; ∂t_d/∂x_d is 1/span.
                double partial = 1;
                for (var e = 0; e < Rank; e++)
                {
                    var upper = (c >> e & 1) == 1;
                    partial *= e == d ? (upper ? 1 : -1) : upper ? t[e] : 1 - t[e];
                }

                gradient[d] += partial * inverseSpan[d] * v;
            }
        }

        return value;
    }

    /// <summary>The lower sample index, the fraction towards the next one and 1/span; a sample point uses the segment below it.</summary>
    private (int Lower, double Fraction, double InverseSpan) Segment(int d, double x)
    {
        var axis = _axes[d];
        if (!(x >= axis[0] - 1e-9 && x <= axis[^1] + 1e-9))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, $"width {x} lies outside the measured range {axis[0]}…{axis[^1]} of axis {d}");
        }

        if (axis.Length == 1) return (0, 0, 0);
        var i = 0;
        while (i < axis.Length - 2 && x > axis[i + 1]) i++;
        var span = axis[i + 1] - axis[i];
        return (i, Math.Clamp((x - axis[i]) / span, 0, 1), 1.0 / span);
    }

    private int Flat(ReadOnlySpan<int> index)
    {
        if (index.Length != Rank) throw new ArgumentException($"the table has {Rank} axes; got {index.Length} indices");
        var flat = 0;
        for (var d = 0; d < Rank; d++)
        {
            if (index[d] < 0 || index[d] >= _axes[d].Length) throw new ArgumentOutOfRangeException(nameof(index), index[d], $"axis {d} has {_axes[d].Length} samples");
            flat = flat * _axes[d].Length + index[d];
        }

        return flat;
    }
}
