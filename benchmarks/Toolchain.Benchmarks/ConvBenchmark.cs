using System.Diagnostics;
using Toolchain.Torch;
using F = Toolchain.Torch.Functional;

namespace Toolchain.Benchmarks;

/// <summary>
/// 3×3 conv2d forward + backward, 64→64 channels, 32×32, batch 128: the kernel that dominates CNN training.
/// Both sides use the same libtorch build and thread count; the ratio shows what our binding costs.
/// </summary>
public static class ConvBenchmark
{
    private const int Batch = 128, Channels = 64, Size = 32, Warmup = 3, Iterations = 15;

    public static double Run()
    {
        var threads = Libtorch.Threads;
        // Alternate the sides four times and keep each side's best median: this host's speed drifts by up to ±20 % for
        // minutes at a time, and with two rounds one side sometimes saw only the slow phase (ratios 0.77 and 1.08 a minute apart).
        Timing? ours = null, peer = null;
        for (var round = 0; round < 4; round++)
        {
            var o = Ours();
            var p = PyTorchSide.Run("conv_bench.py", threads, Batch, Channels, Size, Warmup, Iterations);
            ours = ours is null || o.Median < ours.Median ? o : ours;
            peer = peer is null || p.Median < peer.Median ? p : peer;
        }

        return Report.Print($"conv2d 3x3 fwd+bwd {Channels}->{Channels}, {Size}x{Size}, batch {Batch} ({threads} threads)", ours!, peer!, target: 0.95);
    }

    private static Timing Ours()
    {
        Libtorch.ManualSeed(0);
        using var scope = DisposeScope.Enter();
        var x = Tensor.RandN([Batch, Channels, Size, Size]);
        x.RequiresGrad = true;
        var w = Tensor.RandN([Channels, Channels, 3, 3]);
        w.RequiresGrad = true;
        var dy = Tensor.RandN([Batch, Channels, Size, Size]);
        var times = new List<double>();
        for (var i = 0; i < Warmup + Iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using (DisposeScope.Enter())
            {
                var y = F.Conv2d(x, w, padding: 1);
                y.Backward(dy);
                x.Grad = null;
                w.Grad = null;
            }

            if (i >= Warmup) times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        return new Timing("ours", times);
    }
}
