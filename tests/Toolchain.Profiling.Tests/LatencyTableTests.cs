using Toolchain.Profiling;

namespace Toolchain.Profiling.Tests;

public sealed class LatencyTableTests
{
    // f(x, y) = 0.001·x·y + 0.01 sampled at x ∈ {1, 5, 9}, y ∈ {2, 4}: bilinear interpolation is exact on x·y within a cell.
    private static LatencyTable Product() => new([[1, 5, 9], [2, 4]], [0.012, 0.014, 0.02, 0.03, 0.028, 0.046]);

    [Fact]
    public void Interpolate_AtSamples_ReturnsThem()
    {
        var t = Product();
        Assert.Equal(0.012, t.Interpolate([1, 2]), 12);
        Assert.Equal(0.03, t.Interpolate([5, 4]), 12);
        Assert.Equal(0.046, t.Interpolate([9, 4]), 12);
    }

    [Fact]
    public void Interpolate_InsideCell_IsBilinear()
    {
        var t = Product();
        // Bilinear interpolation reproduces x·y exactly: 0.001·3·3 + 0.01.
        Assert.Equal(0.019, t.Interpolate([3, 3]), 12);
        Assert.Equal(0.001 * 7 * 2.5 + 0.01, t.Interpolate([7, 2.5]), 12);
    }

    [Fact]
    public void Interpolate_StaircaseSampledOnBothSidesOfTheStep_ReproducesTheStep()
    {
        // Latency that jumps between width 16 and 17 (a SIMD block): flat before, flat after.
        var t = new LatencyTable([[1, 16, 17, 32]], [1.0, 1.0, 2.0, 2.0]);
        Assert.Equal(1.0, t.Interpolate([10]), 12);
        Assert.Equal(1.0, t.Interpolate([16]), 12);
        Assert.Equal(1.5, t.Interpolate([16.5]), 12);
        Assert.Equal(2.0, t.Interpolate([24]), 12);
    }

    [Fact]
    public void Gradient_InsideACell_MatchesFiniteDifferences()
    {
        var t = Product();
        var gradient = new double[2];
        t.Interpolate([6.5, 3.2], gradient);
        const double h = 1e-4;
        var dx = (t.Interpolate([6.5 + h, 3.2]) - t.Interpolate([6.5 - h, 3.2])) / (2 * h);
        var dy = (t.Interpolate([6.5, 3.2 + h]) - t.Interpolate([6.5, 3.2 - h])) / (2 * h);
        Assert.Equal(dx, gradient[0], 9);
        Assert.Equal(dy, gradient[1], 9);
        Assert.Equal(0.001 * 3.2, gradient[0], 9);
    }

    [Fact]
    public void Gradient_AtASample_IsTheSlopeBelowIt()
    {
        var t = new LatencyTable([[1, 16, 17, 32]], [1.0, 1.0, 2.0, 2.0]);
        var gradient = new double[1];
        t.Interpolate([17], gradient);
        Assert.Equal(1.0, gradient[0], 12); // the step from 16 to 17, what removing the 17th channel saves
        t.Interpolate([16], gradient);
        Assert.Equal(0.0, gradient[0], 12);
    }

    [Fact]
    public void SingleSampleAxis_IsExactAndFlat()
    {
        var t = new LatencyTable([[3], [1, 9]], [0.1, 0.5]);
        var gradient = new double[2];
        Assert.Equal(0.3, t.Interpolate([3, 5], gradient), 12);
        Assert.Equal(0.0, gradient[0], 12);
        Assert.Equal(0.05, gradient[1], 12);
    }

    [Fact]
    public void Interpolate_OutsideTheMeasuredRange_Throws()
    {
        var t = Product();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => t.Interpolate([10, 3]));
        Assert.Contains("1…9", e.Message);
        Assert.False(t.Covers([10, 3]));
        Assert.True(t.Covers([9, 3]));
    }

    [Fact]
    public void Constructor_RejectsMalformedTables()
    {
        Assert.Throws<ArgumentException>(() => new LatencyTable([[1, 1]], [0.1, 0.1]));
        Assert.Throws<ArgumentException>(() => new LatencyTable([[0, 4]], [0.1, 0.1]));
        Assert.Throws<ArgumentException>(() => new LatencyTable([[1, 4]], [0.1]));
        Assert.Throws<ArgumentException>(() => new LatencyTable([[1, 4]], [0.1, double.NaN]));
        Assert.Throws<ArgumentException>(() => new LatencyTable([[1, 4]], [0.1, -1]));
        Assert.Throws<ArgumentException>(() => new LatencyTable([[1], [1], [1]], [0.1]));
    }
}
