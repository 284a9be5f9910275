namespace Toolchain.Runtime.Tests;

public sealed class LatencyStatisticsTests
{
    [Fact]
    public void Percentiles_UseNearestRank()
    {
        // Textbook example: 15, 20, 35, 40, 50 → p5 = 15, p30 = 20, p40 = 20, p50 = 35, p100 = 50.
        var stats = new LatencyStatistics([50, 15, 40, 20, 35]);

        Assert.Equal(15, stats.Percentile(0));
        Assert.Equal(15, stats.Percentile(5));
        Assert.Equal(20, stats.Percentile(30));
        Assert.Equal(20, stats.Percentile(40));
        Assert.Equal(35, stats.Percentile(50));
        Assert.Equal(50, stats.Percentile(100));
        Assert.Equal(15, stats.Min);
        Assert.Equal(50, stats.Max);
    }

    [Fact]
    public void Percentiles_OfOneToHundred_AreTheRanks()
    {
        var stats = new LatencyStatistics(Enumerable.Range(1, 100).Select(i => (double)(101 - i)).ToArray());

        Assert.Equal(50, stats.Percentile(50));
        Assert.Equal(90, stats.Percentile(90));
        Assert.Equal(99, stats.Percentile(99));
        Assert.Equal(91, stats.Percentile(90.5));
    }

    [Fact]
    public void MeanAndSampleStdDev()
    {
        var stats = new LatencyStatistics([2, 4, 4, 4, 5, 5, 7, 9]);
        Assert.Equal(5, stats.Mean, 12);
        Assert.Equal(Math.Sqrt(32.0 / 7), stats.StdDev, 12);
        Assert.Equal(40, stats.Sum, 12);
        Assert.Equal(0, new LatencyStatistics([3.5]).StdDev);
        Assert.Equal(3.5, new LatencyStatistics([3.5]).Percentile(99));
    }

    [Fact]
    public void InvalidInput_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => new LatencyStatistics([]));
        Assert.Throws<ArgumentException>(() => new LatencyStatistics([1, double.NaN]));
        Assert.Throws<ArgumentException>(() => new LatencyStatistics([-1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LatencyStatistics([1]).Percentile(101));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LatencyStatistics([1]).Percentile(double.NaN));
    }
}
