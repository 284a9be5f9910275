using Toolchain.Torch;

namespace Toolchain.Graph.Tests;

/// <summary>
/// A seed alone decides a model's initial weights: the builder draws from a generator of its own, so these tests run
/// beside every other test, and one of them draws from libtorch's global generator on other threads while it builds.
/// </summary>
public sealed class SeedTests
{
    [Fact]
    public void Create_SameSeed_GivesSameWeights()
    {
        using var a = ModelZoo.Create("resnet20", seed: 7);
        using var b = ModelZoo.Create("resnet20", seed: 7);
        using var c = ModelZoo.Create("resnet20", seed: 8);
        var wa = a.GetTensor("layer2.0.conv1.weight").ToArray<float>();
        Assert.Equal(wa, b.GetTensor("layer2.0.conv1.weight").ToArray<float>());
        Assert.NotEqual(wa, c.GetTensor("layer2.0.conv1.weight").ToArray<float>());
    }

    [Fact]
    public async Task Create_WhileOtherThreadsDrawAndBuild_GivesTheSameWeightsBitForBit()
    {
        static float[][] Weights(ModelGraph g) => g.Parameters.Select(p => p.Value.ToArray<float>()).ToArray();

        float[][] alone;
        using (var graph = ModelZoo.Create("mobilenet_v2_cifar", seed: 3)) alone = Weights(graph);

        using var stop = new CancellationTokenSource();
        // Other work of the process: global draws and the global seed being reset, and other builds, all the time.
        var noise = Enumerable.Range(0, 2).Select(k => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (k == 0) Libtorch.ManualSeed(1);
                using var r = Tensor.RandN([4096]);
                using var other = ModelZoo.Create("resnet20", seed: (ulong)k);
            }
        })).ToArray();
        try
        {
            for (var round = 0; round < 3; round++)
            {
                using var graph = ModelZoo.Create("mobilenet_v2_cifar", seed: 3);
                var weights = Weights(graph);
                Assert.Equal(alone.Length, weights.Length);
                for (var i = 0; i < alone.Length; i++) Assert.Equal(alone[i], weights[i]);
            }
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAll(noise);
        }
    }
}
