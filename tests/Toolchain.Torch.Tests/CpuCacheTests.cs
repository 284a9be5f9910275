using Toolchain.TestSupport;

namespace Toolchain.Torch.Tests;

/// <summary>The caching CPU allocator: reuse, its cap, its idle release, and opting out.</summary>
[Collection(SerialCollection.Name)]
public sealed class CpuCacheTests
{
    private const long Block = 64L << 20; // 64 MiB: a size glibc would map and unmap on every free

    [Fact]
    public void LargeTensor_FreedThenRequestedAgain_ReusesTheCachedBlock()
    {
        using var restore = new Settings();
        CpuCache.Release();
        using (Tensor.Ones([Block / 4])) Assert.Equal(Block, CpuCache.LiveBytes);
        Assert.Equal(Block, CpuCache.CachedBytes);

        using var again = Tensor.Zeros([Block / 4]);
        Assert.Equal(0, CpuCache.CachedBytes); // served from the cache, not mapped anew
        Assert.Equal(0.0, again.Sum().Item()); // and filled as asked, not with the old block's ones
    }

    [Fact]
    public void SizesWithinAClass_ShareABlock_OtherSizesDoNot()
    {
        using var restore = new Settings();
        CpuCache.Release();
        using (Tensor.Ones([Block / 4])) { }
        using (Tensor.Ones([Block / 4 - 1000])) Assert.Equal(0, CpuCache.CachedBytes); // rounds up into the 64 MiB class
        using (Tensor.Ones([Block / 2])) Assert.Equal(Block, CpuCache.CachedBytes); // 128 MiB: a class of its own
    }

    [Fact]
    public void Cap_BoundsWhatTheCacheHolds_OldestBlocksGoFirst()
    {
        using var restore = new Settings();
        CpuCache.Release();
        CpuCache.CapBytes = 2 * Block + Block / 2;
        var tensors = Enumerable.Range(0, 4).Select(_ => Tensor.Ones([Block / 4]).DetachFromScope()).ToList();
        foreach (var t in tensors) t.Dispose();
        Assert.Equal(2 * Block, CpuCache.CachedBytes);

        using (Tensor.Ones([Block])) { } // 256 MiB: larger than the cap, returned at once
        Assert.Equal(2 * Block, CpuCache.CachedBytes);
    }

    [Fact]
    public void BurstOfLargeTensors_AfterAnIdlePeriod_ReturnsItsMemoryToTheSystem()
    {
        using var restore = new Settings();
        CpuCache.Release();
        var baseline = ProcessCounters.AnonymousResidentBytes();
        var burst = Enumerable.Range(0, 8).Select(_ => Tensor.Ones([Block / 4]).DetachFromScope()).ToList();
        var duringBurst = ProcessCounters.AnonymousResidentBytes();
        foreach (var t in burst) t.Dispose();
        Assert.True(duringBurst - baseline >= 7 * Block, $"the burst should be resident: {Mib(duringBurst - baseline)} MiB above baseline");
        Assert.Equal(8 * Block, CpuCache.CachedBytes); // held for reuse while the process is busy

        CpuCache.IdlePeriod = TimeSpan.FromMilliseconds(200);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (CpuCache.CachedBytes > 0 && DateTime.UtcNow < deadline) Thread.Sleep(50);

        Assert.Equal(0, CpuCache.CachedBytes);
        var after = ProcessCounters.AnonymousResidentBytes();
        Assert.True(after - baseline < Block, $"resident memory should fall back: {Mib(after - baseline)} MiB above baseline after the idle release");
    }

    [Fact]
    public void Disabled_LargeTensorsBypassTheCache_AndEnablingAgainServesThem()
    {
        using var restore = new Settings();
        CpuCache.Release();
        CpuCache.Enabled = false;
        using (Tensor.Ones([Block / 4])) Assert.Equal(0, CpuCache.LiveBytes);
        Assert.Equal(0, CpuCache.CachedBytes);

        CpuCache.Enabled = true;
        using (Tensor.Ones([Block / 4])) Assert.Equal(Block, CpuCache.LiveBytes);
        Assert.Equal(Block, CpuCache.CachedBytes);
    }

    [Fact]
    public void NegativeSettings_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuCache.CapBytes = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuCache.IdlePeriod = TimeSpan.FromSeconds(-1));
    }

    private static long Mib(long bytes) => bytes >> 20;

    /// <summary>
    /// No idle release unless a test asks for one (a slow machine must not empty the cache between two lines of a
    /// test); puts the process-wide settings back as they were when disposed, so later tests see the defaults.
    /// </summary>
    private sealed class Settings : IDisposable
    {
        private readonly long _cap = CpuCache.CapBytes;
        private readonly TimeSpan _idle = CpuCache.IdlePeriod;
        private readonly bool _enabled = CpuCache.Enabled;

        public Settings() => CpuCache.IdlePeriod = TimeSpan.FromHours(1);

        public void Dispose()
        {
            CpuCache.Enabled = _enabled;
            CpuCache.CapBytes = _cap;
            CpuCache.IdlePeriod = _idle;
        }
    }
}
