using Toolchain.TestSupport;
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
    public void BuilderSeed_DrawsWhatTheGlobalGeneratorDrawsAfterTheSameSeed_AndLeavesItAlone()
    {
        // The builder's weights are the same as before it had a generator of its own (libtorch's global one,
        // seeded), so checkpoints and PyTorch comparisons of seeded zoo models are unchanged.
        using var generator = new Generator(5);
        using var own = Init.KaimingNormalFanOut([16, 8, 3, 3], generator);
        using var ownPerm = Tensor.RandPerm(10, generator: generator);
        float[] global;
        long[] globalPerm;
        Libtorch.ManualSeed(5);
        using (var g = Init.KaimingNormalFanOut([16, 8, 3, 3]))
        using (var p = Tensor.RandPerm(10)) (global, globalPerm) = (g.ToArray<float>(), p.ToArray<long>());

        Assert.Equal(global, own.ToArray<float>());
        Assert.Equal(globalPerm, ownPerm.ToArray<long>());

        // Building a seeded model neither reseeds the global generator nor draws from it.
        Libtorch.ManualSeed(5);
        using (ModelZoo.Create("resnet20", seed: 9))
        using (var afterBuild = Init.KaimingNormalFanOut([16, 8, 3, 3])) Assert.Equal(global, afterBuild.ToArray<float>());
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

        var live = ProcessCounters.SettledLiveTensors(); // the final read is not settled: a tensor left to the finalizer fails
        for (var i = 0; i < 3; i++)
        {
            using var y = graph.Forward(x);
            using var r = graph.Forward(x, new HashSet<string> { "layer2.0.add" });
        }

        Assert.Equal(live, Libtorch.LiveTensors);
    }
}
