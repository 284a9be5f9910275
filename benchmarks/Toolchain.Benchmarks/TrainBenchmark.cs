using System.Diagnostics;
using Toolchain.Graph;
using Toolchain.Torch;
using Toolchain.Torch.Optim;
using F = Toolchain.Torch.Functional;

namespace Toolchain.Benchmarks;

/// <summary>
/// Training throughput (images/s, batch 128, SGD momentum + weight decay) of CIFAR ResNets: our graph executor
/// against the same architecture in PyTorch, same thread count, same fixed synthetic batch. The target is against
/// PyTorch as a training script runs it by default (NCHW); PyTorch converted to channels-last (opt-in, what our
/// executor does on its own) is printed beside it so the layout's share of the gain stays visible. The three take
/// turns every few steps (the PyTorch sides stay alive, <see cref="PyTorchSession"/>), so this host's drift hits all
/// alike, and their medians compare.
/// </summary>
public static class TrainBenchmark
{
    private const int Batch = 128, Warmup = 2;

    public static double Run(int depth, int turns, int stepsPerTurn)
    {
        var threads = Libtorch.Threads;
        using var nchw = new PyTorchSession("train_bench.py", depth, threads, Batch, Warmup, "nchw");
        using var channelsLast = new PyTorchSession("train_bench.py", depth, threads, Batch, Warmup, "channels_last");
        using var ours = new OursTraining(depth);
        ours.Steps(Warmup);
        var (oursSeconds, peerSeconds, peerChannelsLastSeconds) = (new List<double>(), new List<double>(), new List<double>());
        for (var turn = 0; turn < turns; turn++)
        {
            oursSeconds.AddRange(ours.Steps(stepsPerTurn));
            peerSeconds.AddRange(nchw.Run(stepsPerTurn));
            peerChannelsLastSeconds.AddRange(channelsLast.Run(stepsPerTurn));
        }

        // Report throughput: images per second = batch / seconds per step.
        var (mine, peer, peerChannelsLast) = (new Timing("ours", oursSeconds), new Timing("PyTorch", peerSeconds), new Timing("PyTorch channels-last", peerChannelsLastSeconds));
        var ratio = peer.Median / mine.Median;
        var ratioChannelsLast = peerChannelsLast.Median / mine.Median;
        Console.WriteLine($"{$"train resnet{depth} (batch {Batch}, SGD momentum, {threads} threads)",-44} ours {Batch / mine.Median,9:F1} img/s   " +
                          $"PyTorch {Batch / peer.Median,9:F1} img/s   ratio {ratio,5:F3} (target ≥ 1.00, goal 1.10: {(ratio >= 1 ? "ok" : "BELOW TARGET")})");
        Console.WriteLine($"{"",-44} PyTorch channels-last {Batch / peerChannelsLast.Median,9:F1} img/s   ratio {ratioChannelsLast,5:F3} (for reference)");
        return ratio;
    }

    /// <summary>Our side: the zoo's ResNet in training mode, SGD with momentum and weight decay, a fixed random batch.</summary>
    private sealed class OursTraining : IDisposable
    {
        private readonly ModelGraph _graph;
        private readonly Sgd _sgd;
        private readonly Tensor _x, _y;

        public OursTraining(int depth)
        {
            Libtorch.ManualSeed(0);
            _graph = ModelZoo.Create($"resnet{depth}");
            _graph.Training = true;
            _sgd = new Sgd(_graph.Parameters, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4);
            _x = Tensor.RandN([Batch, 3, 32, 32]);
            _y = Tensor.RandInt([Batch], 0, 10);
        }

        public List<double> Steps(int count)
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
