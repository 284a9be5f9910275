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
/// executor does on its own) is printed beside it so the layout's share of the gain stays visible.
/// </summary>
public static class TrainBenchmark
{
    private const int Batch = 128, Warmup = 2;

    public static double Run(int depth, int iterations)
    {
        var threads = Libtorch.Threads;
        Timing? ours = null, peer = null, peerChannelsLast = null;
        static Timing Best(Timing? best, Timing next) => best is null || next.Median < best.Median ? next : best;
        for (var round = 0; round < 2; round++)
        {
            ours = Best(ours, Ours(depth, iterations));
            peer = Best(peer, PyTorchSide.Run("train_bench.py", depth, threads, Batch, Warmup, iterations, "nchw"));
            peerChannelsLast = Best(peerChannelsLast, PyTorchSide.Run("train_bench.py", depth, threads, Batch, Warmup, iterations, "channels_last"));
        }

        // Report throughput: images per second = batch / seconds per step.
        var ratio = peer!.Median / ours!.Median;
        var ratioChannelsLast = peerChannelsLast!.Median / ours.Median;
        Console.WriteLine($"{$"train resnet{depth} (batch {Batch}, SGD momentum, {threads} threads)",-44} ours {Batch / ours.Median,9:F1} img/s   " +
                          $"PyTorch {Batch / peer.Median,9:F1} img/s   ratio {ratio,5:F3} (target ≥ 1.00, goal 1.10: {(ratio >= 1 ? "ok" : "BELOW TARGET")})");
        Console.WriteLine($"{"",-44} PyTorch channels-last {Batch / peerChannelsLast.Median,9:F1} img/s   ratio {ratioChannelsLast,5:F3} (for reference)");
        return ratio;
    }

    private static Timing Ours(int depth, int iterations)
    {
        Libtorch.ManualSeed(0);
        using var graph = ModelZoo.Create($"resnet{depth}");
        graph.Training = true;
        using var sgd = new Sgd(graph.Parameters, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4);
        using var scope = DisposeScope.Enter();
        var x = Tensor.RandN([Batch, 3, 32, 32]);
        var y = Tensor.RandInt([Batch], 0, 10);
        var times = new List<double>();
        for (var i = 0; i < Warmup + iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using (DisposeScope.Enter())
            {
                sgd.ZeroGrad();
                var loss = F.CrossEntropy(graph.Forward(x), y);
                loss.Backward();
                sgd.Step();
            }

            if (i >= Warmup) times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        return new Timing("ours", times);
    }
}
