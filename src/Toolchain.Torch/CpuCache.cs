using Toolchain.Torch.Interop;

namespace Toolchain.Torch;

/// <summary>
/// The caching allocator libtorch's CPU tensors of 1 MiB and more come from (the shim's <c>cpu_allocator.cpp</c>).
/// glibc returns every block of 32 MiB or more to the kernel on free, so without it each training step page-faults
/// its activations and gradients in anew (a 64→64 3×3 conv at 32×32, batch 128: 6× slower). The cache keeps freed
/// blocks by size class for the next step, holds at most <see cref="CapBytes"/> (a quarter of physical memory by
/// default; the oldest blocks go first) and returns everything to the system once no large block has been
/// allocated or freed for <see cref="IdlePeriod"/>. On when the shim loads; <c>TOOLCHAIN_CPU_CACHE=off</c> opts out.
/// </summary>
public static class CpuCache
{
    /// <summary>Whether new large tensors come from the cache (blocks already handed out stay valid either way).</summary>
    public static bool Enabled
    {
        get => TorchInterop.CpuCacheEnabled();
        set => TorchInterop.CpuCacheEnable(value);
    }

    /// <summary>Bytes of freed blocks the cache holds for reuse.</summary>
    public static long CachedBytes => TorchInterop.CpuCacheStats().Cached;

    /// <summary>Bytes of cache-served blocks that tensors hold right now.</summary>
    public static long LiveBytes => TorchInterop.CpuCacheStats().Live;

    /// <summary>The most the cache holds; past it the oldest cached blocks are unmapped.</summary>
    public static long CapBytes
    {
        get => TorchInterop.CpuCacheStats().Cap;
        set => TorchInterop.CpuCacheConfigure(value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the cap is a byte count ≥ 0"), -1);
    }

    /// <summary>How long the allocator must go unused before the cache returns everything it holds.</summary>
    public static TimeSpan IdlePeriod
    {
        get => TimeSpan.FromMilliseconds(TorchInterop.CpuCacheStats().IdleMilliseconds);
        set => TorchInterop.CpuCacheConfigure(-1, value >= TimeSpan.Zero ? (long)value.TotalMilliseconds
            : throw new ArgumentOutOfRangeException(nameof(value), value, "the idle period cannot be negative"));
    }

    /// <summary>Returns every cached block to the system now.</summary>
    public static void Release() => TorchInterop.CpuCacheRelease();
}
