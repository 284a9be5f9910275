using Toolchain.TestSupport;
using Toolchain.Torch;
using F = Toolchain.Torch.Functional;

namespace Toolchain.Graph.Tests;

public sealed class ExecutorTests
{
    [Fact]
    public void Forward_TopologyGraph_EqualsTheSameOpsWrittenByHand()
    {
        using var scope = DisposeScope.Enter();
        using var graph = GraphFixtures.MixedTopology();
        graph.Training = false;
        // Drawn from a generator of its own: the executor runs channels-last and the reference NCHW, two convolution
        // algorithms whose rounding differs more for some draws; the global generator would give other draws each run.
        using var generator = new Generator(3);
        GraphFixtures.RandomizeBatchNorms(graph, generator);
        var x = Tensor.RandN([2, 3, 16, 16], generator: generator);
        var actual = graph.Forward(x);

        Tensor P(string name) => graph.GetTensor(name);
        var y = F.Conv2d(x, P("stem.weight"), P("stem.bias"), 2, 1);
        y = F.BatchNorm(y, P("stem_bn.running_mean"), P("stem_bn.running_var"), P("stem_bn.weight"), P("stem_bn.bias"), false).HardSwish();
        var left = F.Conv2d(y.Slice(1, 0, 3), P("grouped.weight"), P("grouped.bias"), 1, 1, 1, 3);
        var right = F.Conv2d(y.Slice(1, 3, 8).Slice(1, 1, 5), P("depthwise.weight"), null, 1, 1, 1, 4);
        y = Tensor.Cat([left, right], 1);
        var gate = F.Conv2d(F.AdaptiveAvgPool2d(y, 1, 1), P("se_fc.weight"), P("se_fc.bias")).HardSigmoid();
        y = (y * gate).Clamp(0, 6);
        y = F.AvgPool2d(y, 2).Permute(0, 2, 3, 1).Reshape(2, -1);
        var expected = F.Linear(y, P("fc.weight"), P("fc.bias"));

        TensorAssert.Close(expected, actual, 1e-5, 1e-6, "topology output");
    }

    [Fact]
    public void Forward_Capture_ReturnsIntermediatesEqualToSubgraph()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var x = Tensor.RandN([2, 3, 32, 32]);
        using var result = graph.Forward(x, new HashSet<string> { "layer1.0.relu1", "avgpool", "input" });
        Assert.Equal([2, 16, 32, 32], result.Captured["layer1.0.relu1"].Shape);
        Assert.Equal([2, 64, 1, 1], result.Captured["avgpool"].Shape);
        TensorAssert.Close(x, result.Captured["input"]);

        // The captured pool feeds flatten → fc: applying fc by hand must give the output.
        var fc = F.Linear(result.Captured["avgpool"].Flatten(1), graph.GetTensor("fc.weight"), graph.GetTensor("fc.bias"));
        TensorAssert.Close(fc, result.Output, 1e-5, 1e-6, "fc(captured avgpool)");
        var plain = graph.Forward(x);
        TensorAssert.Close(plain, result.Output, 0, 0, "output with and without capture");
    }

    [Fact]
    public void Forward_CapturingAValueAReluWouldOverwrite_KeepsItsPreActivationValue()
    {
        // bn1's output is read only by the stem ReLU, so the executor normally rectifies it in place; a capture
        // must still see the batch-norm output (negatives included), and the result must not change.
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        graph.Training = false;
        using var generator = new Generator(4); // the layouts' rounding differs by draw: a fixed draw (see above)
        GraphFixtures.RandomizeBatchNorms(graph, generator);
        var x = Tensor.RandN([2, 3, 32, 32], generator: generator);
        using var result = graph.Forward(x, new HashSet<string> { "bn1" });
        var expectedBn = F.BatchNorm(F.Conv2d(x, graph.GetTensor("conv1.weight"), null, 1, 1), graph.GetTensor("bn1.running_mean"),
            graph.GetTensor("bn1.running_var"), graph.GetTensor("bn1.weight"), graph.GetTensor("bn1.bias"), false);
        TensorAssert.Close(expectedBn, result.Captured["bn1"], 1e-5, 1e-6, "captured bn1");
        Assert.True(result.Captured["bn1"].Min().Item() < 0, "the captured value is pre-ReLU");
        TensorAssert.Close(graph.Forward(x), result.Output, 0, 0, "output with and without capture");
    }

    [Fact]
    public void Forward_UnknownCaptureName_ThrowsNamingIt()
    {
        using var graph = ModelZoo.Create("resnet20");
        using var x = Tensor.RandN([1, 3, 32, 32]);
        var e = Assert.Throws<ArgumentException>(() => graph.Forward(x, new HashSet<string> { "nope" }));
        Assert.Contains("'nope'", e.Message);
    }

    [Fact]
    public void Forward_TrainVersusEval_BatchNormUsesBatchStatisticsAndUpdatesRunningOnes()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var x = Tensor.RandN([8, 3, 32, 32], mean: 1, std: 2);
        var meanBefore = graph.GetTensor("bn1.running_mean").ToArray<float>();

        graph.Training = false;
        var eval1 = graph.Forward(x);
        Assert.Equal(meanBefore, graph.GetTensor("bn1.running_mean").ToArray<float>());

        graph.Training = true;
        var train = graph.Forward(x);
        Assert.NotEqual(meanBefore, graph.GetTensor("bn1.running_mean").ToArray<float>());
        Assert.True(TensorAssert.MaxRelativeToScale(train, eval1) > 1e-3, "training mode must normalise with batch statistics");

        // bn1 output in training mode has per-channel mean 0 and variance 1 over the batch
        graph.Training = true;
        using var r = graph.Forward(x, new HashSet<string> { "bn1" });
        var channelMeans = r.Captured["bn1"].Mean([0, 2, 3], keepDim: false).ToArray<float>();
        Assert.All(channelMeans, m => Assert.InRange(m, -1e-4f, 1e-4f));
    }

    [Fact]
    public void Forward_Dropout_ActiveOnlyInTraining()
    {
        using var scope = DisposeScope.Enter();
        using var b = new GraphBuilder("drop", [4, 100]);
        b.Output(b.Dropout(b.Input, 0.5));
        using var graph = b.Build();
        var x = Tensor.Ones([4, 100]);
        TensorAssert.Close(x, graph.Forward(x), 0, 0, "eval dropout");
        graph.Training = true;
        var zeros = graph.Forward(x).Eq(0).To(DType.Float32).Sum().Item();
        Assert.InRange(zeros, 100, 300);
    }
}
