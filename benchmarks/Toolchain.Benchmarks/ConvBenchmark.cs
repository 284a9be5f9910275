using System.Diagnostics;
using Toolchain.Torch;
using F = Toolchain.Torch.Functional;

namespace Toolchain.Benchmarks;

/// <summary>
/// 3×3 conv2d forward + backward, 64→64 channels, 32×32, batch 128: the kernel that dominates CNN training.
/// Both sides use the same libtorch build and thread count; the ratio shows what our binding costs. This host's speed
/// drifts by up to ±20 % for minutes at a time, so the PyTorch side stays alive (<see cref="PyTorchSession"/>) and the
/// two sides take turns every few iterations: both see the same drift, and their medians compare.
/// </summary>
public static class ConvBenchmark
{
    private const int Batch = 128, Channels = 64, Size = 32, Warmup = 3, Turns = 12, IterationsPerTurn = 3;

    public static double Run()
    {
        var threads = Libtorch.Threads;
        using var peer = new PyTorchSession("conv_bench.py", threads, Batch, Channels, Size, Warmup);
        using var ours = new OursConv();
        ours.Step(Warmup);
        var (oursSeconds, peerSeconds) = (new List<double>(), new List<double>());
        for (var turn = 0; turn < Turns; turn++)
        {
            oursSeconds.AddRange(ours.Step(IterationsPerTurn));
            peerSeconds.AddRange(peer.Run(IterationsPerTurn));
        }

        return Report.Print($"conv2d 3x3 fwd+bwd {Channels}->{Channels}, {Size}x{Size}, batch {Batch} ({threads} threads)",
            new Timing("ours", oursSeconds), new Timing("PyTorch", peerSeconds), target: 0.95);
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
