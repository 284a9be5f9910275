using Toolchain.Profiling;

namespace Toolchain.Profiling.Tests;

public sealed class AxisSamplerTests
{
    [Fact]
    public void Initial_TakesExtremesAndMultiplesOfTheStep()
    {
        Assert.Equal([1, 8, 16, 24, 32, 40, 48, 56, 64], AxisSampler.Initial(1, 64));
        Assert.Equal([3], AxisSampler.Initial(3, 3));
    }

    [Fact]
    public void Initial_CoarsensTheStepToStayUnderMaxPoints()
    {
        var points = AxisSampler.Initial(1, 1280, step: 8, maxPoints: 17);
        Assert.True(points.Length <= 17, string.Join(",", points));
        Assert.Equal(1, points[0]);
        Assert.Equal(1280, points[^1]);
        Assert.All(points[1..^1], p => Assert.Equal(0, p % 8));
    }

    [Fact]
    public void Initial_MovesSamplesToAcceptedWidths()
    {
        // A kernel variant that only runs at widths that are not multiples of 4.
        var points = AxisSampler.Initial(17, 63, accepts: w => w % 4 != 0);
        Assert.All(points, p => Assert.NotEqual(0, p % 4));
        Assert.Equal(17, points[0]);
        Assert.Equal(63, points[^1]);
        Assert.Empty(AxisSampler.Initial(16, 16, accepts: w => w % 4 != 0));
    }

    [Fact]
    public void Refine_FindsWhereAStaircaseSteps()
    {
        // A kernel processing channels in blocks of 16: latency steps between 16k and 16k + 1.
        static double Staircase(int w) => (w + 15) / 16 * 1.0;
        var samples = AxisSampler.Refine(AxisSampler.Initial(1, 64), Staircase, Same, maxAdded: 50);
        foreach (var step in new[] { 16, 32, 48 })
        {
            Assert.Contains(step, samples.Keys);
            Assert.Contains(step + 1, samples.Keys);
        }

        var kept = AxisSampler.Simplify(samples, Same);
        var table = new LatencyTable([kept], kept.Select(w => Staircase(w)).ToArray());
        for (var w = 1; w <= 64; w++) Assert.Equal(Staircase(w), table.Interpolate([w]), 9);
    }

    [Fact]
    public void Refine_LeavesALinearCurveAlone()
    {
        var initial = AxisSampler.Initial(1, 64);
        var samples = AxisSampler.Refine(initial, w => 0.5 + 0.01 * w, Same, maxAdded: 50);
        // Each interval is bisected once, found linear, and not refined further.
        Assert.Equal(initial.Length + initial.Length - 1, samples.Count);
        Assert.Equal([1, 64], AxisSampler.Simplify(samples, Same));
    }

    [Fact]
    public void Refine_RespectsTheBudget()
    {
        var samples = AxisSampler.Refine(AxisSampler.Initial(1, 64), w => w % 2, Same, maxAdded: 3);
        Assert.Equal(9 + 3, samples.Count);
    }

    private static bool Same(double a, double b) => Math.Abs(a - b) <= 1e-6;
}
