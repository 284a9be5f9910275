using Toolchain.Torch;

namespace Toolchain.Graph.Tests;

/// <summary>
/// Tests of process-wide state (libtorch's global generator, the live-tensor count) run alone: a test running in
/// parallel would draw random numbers or create tensors in between and make them fail spuriously.
/// </summary>
[CollectionDefinition(nameof(GlobalStateTests), DisableParallelization = true)]
[Collection(nameof(GlobalStateTests))]
public sealed class GlobalStateTests
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
    public void Forward_SeededTraining_IsDeterministic()
    {
        using var scope = DisposeScope.Enter();
        float[] Run()
        {
            using var graph = ModelZoo.Create("mobilenet_v2_cifar", seed: 4);
            graph.Training = true;
            Libtorch.ManualSeed(99);
            var x = Tensor.RandN([2, 3, 32, 32]);
            var loss = graph.Forward(x).Square().Sum();
            loss.Backward();
            return graph.GetParameter("features.1.conv.0.0.weight").Grad!.ToArray<float>();
        }

        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Forward_FreesIntermediates_NoTensorsLeak()
    {
        using var graph = ModelZoo.Create("resnet20");
        using var x = Tensor.RandN([2, 3, 32, 32]);
        graph.Training = true;
        using (graph.Forward(x)) { }

        var live = Libtorch.LiveTensors;
        for (var i = 0; i < 3; i++)
        {
            using var y = graph.Forward(x);
            using var r = graph.Forward(x, new HashSet<string> { "layer2.0.add" });
        }

        Assert.Equal(live, Libtorch.LiveTensors);
    }
}
