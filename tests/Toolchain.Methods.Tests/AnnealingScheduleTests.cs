namespace Toolchain.Methods.Tests;

public sealed class AnnealingScheduleTests
{
    [Theory]
    // N = 10, μ = 5, M = 100 channels, k = 10: M_e = 10 + 90 · max(0, (10 − 2e) / (10e + 10)).
    [InlineData(0, 100.0)]  // before the first step: everything
    [InlineData(1, 46.0)]   // (10 − 2) / (10 + 10) = 0.4
    [InlineData(2, 28.0)]   // 6 / 30 = 0.2
    [InlineData(4, 13.6)]   // 2 / 50 = 0.04
    [InlineData(5, 10.0)]   // e = N/2: the target
    [InlineData(9, 10.0)]   // and it stays there
    public void At_CountForm_IsFsasMe(int step, double expected)
    {
        var schedule = new AnnealingSchedule(totalSteps: 10, mu: 5);
        Assert.Equal(expected, schedule.At(step, start: 100, target: 10), 9);
    }

    [Fact]
    public void At_LatencyForm_AnnealsTheBudgetFromDenseToTarget()
    {
        // B_e = B* + (B0 − B*) · max(0, (N − 2e) / (2eμ + N)); N = 20, μ = 10, B0 = 1.2 ms, B* = 0.6 ms.
        var schedule = new AnnealingSchedule(totalSteps: 20, mu: 10);
        Assert.Equal(0.6 + 0.6 * (18.0 / 40.0), schedule.At(1, 1.2, 0.6), 12);
        Assert.Equal(0.6 + 0.6 * (10.0 / 120.0), schedule.At(5, 1.2, 0.6), 12);
        Assert.Equal(0.6, schedule.At(10, 1.2, 0.6), 12);
    }

    [Fact]
    public void RemainingFraction_LargerMu_RemovesMoreEarly()
    {
        var gentle = new AnnealingSchedule(100, mu: 1);
        var eager = new AnnealingSchedule(100, mu: 100);
        Assert.True(eager.RemainingFraction(5) < gentle.RemainingFraction(5));
        Assert.Equal(1.0, eager.RemainingFraction(0));
    }

    [Fact]
    public void Constructor_BadSettings_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AnnealingSchedule(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AnnealingSchedule(10, mu: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AnnealingSchedule(10).RemainingFraction(-1));
    }
}
