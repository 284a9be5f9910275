using System.Diagnostics;
using Toolchain.Graph;
using Toolchain.Graph.Execution;
using Toolchain.Torch;
using Toolchain.Torch.Optim;
using F = Toolchain.Torch.Functional;

namespace Toolchain.Benchmarks;

/// <summary>
/// Training throughput (images/s, SGD momentum + weight decay) of a zoo model — CIFAR ResNets at 32×32, ImageNet's
/// ResNet-18 and MobileNetV2 at 224×224 — our graph executor against the same architecture in PyTorch, same thread
/// count, same fixed synthetic batch. The target is against PyTorch as a training script runs it by default (NCHW,
/// glibc malloc as it comes). Printed beside it, for reference: PyTorch with the malloc relief our caching allocator
/// gives us by design (<see cref="MallocRelief.NoMmap"/>), PyTorch converted to channels-last, and ours in the CPU
/// layout <see cref="ExecutorSettings.LayoutFor"/> does not choose for this host and size. The sides take turns every few steps (the PyTorch sides stay alive,
/// <see cref="PyTorchSession"/>), so this host's drift hits all alike, and their medians compare.
/// </summary>
public static class TrainBenchmark
{
    private const int Warmup = 2;

    public static double Run(string model, int batch, int turns, int stepsPerTurn, double target)
    {
        var threads = Libtorch.Threads;
        using var ours = new OursTraining(model, batch);
        var layout = ExecutorSettings.LayoutFor(ours.InputShape);
        var otherLayout = layout == CpuImageLayout.ChannelsLast ? CpuImageLayout.Nchw : CpuImageLayout.ChannelsLast;
        var sides = new List<(string Name, Func<int, IReadOnlyList<double>> Steps, List<double> Seconds)>
        {
            ("ours", ours.Steps, []),
            ($"ours {Name(otherLayout)}", n => WithLayout(otherLayout, () => ours.Steps(n)), []),
        };
        using var peers = new SessionList();
        foreach (var (name, relief, peerLayout) in new[]
                 {
                     ("PyTorch", MallocRelief.None, "nchw"),
                     ("PyTorch + malloc relief", MallocRelief.NoMmap, "nchw"),
                     ("PyTorch channels-last", MallocRelief.None, "channels_last"),
                 })
        {
            var session = peers.Add(new PyTorchSession(relief, "train_bench.py", model, threads, batch, Warmup, peerLayout));
            sides.Add((name, session.Run, []));
        }

        foreach (var side in sides) side.Steps(Warmup);
        for (var turn = 0; turn < turns; turn++)
        {
            foreach (var side in sides) side.Seconds.AddRange(side.Steps(stepsPerTurn));
        }

        // Images per second = batch / median seconds per step; ratios are a side's median time over ours.
        var mine = new Timing("ours", sides[0].Seconds).Median;
        var title = $"train {model} (batch {batch}, {ours.InputShape[2]}x{ours.InputShape[3]}, SGD momentum, {threads} threads)";
        var peer = new Timing("PyTorch", sides[2].Seconds).Median;
        var ratio = peer / mine;
        Console.WriteLine($"{title,-58} ours ({Name(layout)}) {batch / mine,8:F1} img/s   PyTorch {batch / peer,8:F1} img/s   " +
                          $"ratio {ratio,5:F3} (target ≥ {target:F2}: {(ratio >= target ? "ok" : "BELOW TARGET")})");
        foreach (var (name, _, seconds) in sides.Skip(1).Where(s => s.Name != "PyTorch"))
        {
            var median = new Timing(name, seconds).Median;
            Console.WriteLine($"{"",-58} {name,-28} {batch / median,8:F1} img/s   ratio {median / mine,5:F3} (for reference)");
        }

        return ratio;
    }

    private static string Name(CpuImageLayout layout) => layout == CpuImageLayout.ChannelsLast ? "channels-last" : "NCHW";

    private static IReadOnlyList<double> WithLayout(CpuImageLayout layout, Func<IReadOnlyList<double>> run)
    {
        var previous = ExecutorSettings.CpuImageLayout;
        ExecutorSettings.CpuImageLayout = layout;
        try
        {
            return run();
        }
        finally
        {
            ExecutorSettings.CpuImageLayout = previous;
        }
    }

    /// <summary>The PyTorch sessions of one comparison, disposed together even when a later one fails to start.</summary>
    private sealed class SessionList : IDisposable
    {
        private readonly List<PyTorchSession> _sessions = [];

        public PyTorchSession Add(PyTorchSession session)
        {
            _sessions.Add(session);
            return session;
        }

        public void Dispose()
        {
            foreach (var session in _sessions) session.Dispose();
        }
    }

    /// <summary>Our side: the zoo model in training mode, SGD with momentum and weight decay, a fixed random batch.</summary>
    private sealed class OursTraining : IDisposable
    {
        private readonly ModelGraph _graph;
        private readonly Sgd _sgd;
        private readonly Tensor _x, _y;

        public OursTraining(string model, int batch)
        {
            Libtorch.ManualSeed(0);
            _graph = ModelZoo.Create(model);
            _graph.Training = true;
            _sgd = new Sgd(_graph.Parameters, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4);
            InputShape = [batch, .. _graph.InputShape.Skip(1)];
            _x = Tensor.RandN(InputShape);
            _y = Tensor.RandInt([batch], 0, _graph.OutputShape[^1]);
        }

        public long[] InputShape { get; }

        public IReadOnlyList<double> Steps(int count)
        {
            var times = new List<double>();
            for (var i = 0; i < count; i++)
            {
                var start = Stopwatch.GetTimestamp();
                using (DisposeScope.Enter())
                {
                    _sgd.ZeroGrad();
                    var loss = F.CrossEntropy(_graph.Forward(_x), _y);
                    loss.Backward();
                    _sgd.Step();
                }

                times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }

            return times;
        }

        public void Dispose()
        {
            _x.Dispose();
            _y.Dispose();
            _sgd.Dispose();
            _graph.Dispose();
        }
    }
}
