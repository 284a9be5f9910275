using System.Diagnostics;
using Toolchain.Torch;
using F = Toolchain.Torch.Functional;

namespace Toolchain.Benchmarks;

/// <summary>
/// 3×3 conv2d forward + backward, 64→64 channels, 32×32, batch 128: the kernel that dominates CNN training, and
/// tensors of exactly 32 MiB, the size from which glibc maps and unmaps every block. Four sides take turns every few
/// iterations (this host's speed drifts by up to ±20 % for minutes at a time, so all see the same drift and their
/// medians compare): ours as it runs (the caching CPU allocator), ours with the cache off (what this engine did
/// before it), PyTorch as users run it, and PyTorch with glibc's mmap and trimming turned off (the same relief, by environment).
/// </summary>
public static class ConvBenchmark
{
    private const int Batch = 128, Channels = 64, Size = 32, Warmup = 3, Turns = 12, IterationsPerTurn = 3;

    public static double Run()
    {
        var threads = Libtorch.Threads;
        using var peer = new PyTorchSession("conv_bench.py", threads, Batch, Channels, Size, Warmup);
        using var peerNoMmap = new PyTorchSession(MallocRelief.NoMmap, "conv_bench.py", threads, Batch, Channels, Size, Warmup);
        using var ours = new OursConv();
        ours.Step(Warmup);
        var (oursSeconds, uncachedSeconds, peerSeconds, peerNoMmapSeconds) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (var turn = 0; turn < Turns; turn++)
        {
            oursSeconds.AddRange(ours.Step(IterationsPerTurn));
            CpuCache.Enabled = false;
            try
            {
                uncachedSeconds.AddRange(ours.Step(IterationsPerTurn));
            }
            finally
            {
                CpuCache.Enabled = true;
            }

            peerSeconds.AddRange(peer.Run(IterationsPerTurn));
            peerNoMmapSeconds.AddRange(peerNoMmap.Run(IterationsPerTurn));
        }

        var (mine, uncached) = (new Timing("ours", oursSeconds), new Timing("ours without the CPU cache", uncachedSeconds));
        var name = $"conv2d 3x3 fwd+bwd {Channels}->{Channels}, {Size}x{Size}, batch {Batch} ({threads} threads)";
        var ratio = Report.Print(name, mine, new Timing("PyTorch", peerSeconds), target: 1.5);
        Report.Print("  against PyTorch with the same malloc relief", mine, new Timing("PyTorch", peerNoMmapSeconds), target: 0.95);
        var share = mine.Median / uncached.Median;
        Console.WriteLine($"{"  ours without the CPU cache (before)",-44} {uncached.Median * 1000,9:F2} ms   ours/before {share,5:F3} " +
                          $"(target ≤ 0.333: {(share <= 1.0 / 3 ? "ok" : "ABOVE TARGET")})");
        return ratio;
    }

    /// <summary>Our side: the same tensors as PyTorch's (seed 0), forward and backward through our binding.</summary>
    private sealed class OursConv : IDisposable
    {
        private readonly Tensor _x, _w, _dy;

        public OursConv()
        {
            Libtorch.ManualSeed(0);
            _x = Tensor.RandN([Batch, Channels, Size, Size]);
            _x.RequiresGrad = true;
            _w = Tensor.RandN([Channels, Channels, 3, 3]);
            _w.RequiresGrad = true;
            _dy = Tensor.RandN([Batch, Channels, Size, Size]);
        }

        public List<double> Step(int iterations)
        {
            var times = new List<double>();
            for (var i = 0; i < iterations; i++)
            {
                var start = Stopwatch.GetTimestamp();
                using (DisposeScope.Enter())
                {
                    var y = F.Conv2d(_x, _w, padding: 1);
                    y.Backward(_dy);
                    _x.Grad = null;
                    _w.Grad = null;
                }

                times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }

            return times;
        }

        public void Dispose()
        {
            _x.Dispose();
            _w.Dispose();
            _dy.Dispose();
        }
    }
}
