using Toolchain.Graph;
using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Runtime.Tests;

[Collection(SerialCollection.Name)] // counts live tensors, which are process-wide
public sealed class TorchEngineTests
{
    [Fact]
    public void ResNet20_Run_EqualsGraphForwardInEvalMode()
    {
        using var graph = ModelZoo.Create("resnet20", seed: 7);
        var x = HostTensor.RandomUniform([3, 3, 32, 32], seed: 1);
        float[] expected;
        graph.Training = false;
        using (DisposeScope.Enter())
        using (Libtorch.NoGrad())
        {
            expected = graph.Forward(Tensor.FromArray(x.Data, x.Shape)).ToArray<float>();
        }

        using var engine = new TorchEngine(graph);
        graph.Training = true; // flipped after construction: Run must use eval mode (BatchNorm running statistics) anyway
        var live = ProcessCounters.SettledLiveTensors();
        var output = Assert.Single(engine.Run([x]));

        Assert.Equal("torch", engine.Name);
        Assert.Equal([3L, 10], output.Shape);
        Assert.Equal(expected, output.Data);
        Assert.Equal(live, Libtorch.LiveTensors);
        Assert.False(graph.Training);
    }

    [Fact]
    public void Specs_HaveDynamicBatch()
    {
        using var engine = new TorchEngine(ModelZoo.Create("resnet20"), ownsGraph: true);

        var input = Assert.Single(engine.Inputs);
        Assert.Equal("input", input.Name);
        Assert.Equal("float32", input.ElementType);
        Assert.Equal([-1L, 3, 32, 32], input.Shape);
        Assert.Equal([-1L, 10], Assert.Single(engine.Outputs).Shape);
    }

    [Fact]
    public void Run_WrongShape_ThrowsBeforeRunningTheGraph()
    {
        using var engine = new TorchEngine(ModelZoo.Create("resnet20"), ownsGraph: true);
        var e = Assert.Throws<ArgumentException>(() => engine.Run([HostTensor.RandomUniform([1, 3, 28, 28], 0)]));
        Assert.Contains("[-1, 3, 32, 32]", e.Message);
        Assert.Contains("[1, 3, 28, 28]", e.Message);
        Assert.Throws<ArgumentException>(() => engine.Run([]));
    }

    [Fact]
    public void Dispose_DisposesTheGraphOnlyWhenOwned()
    {
        var x = HostTensor.RandomUniform([1, 3, 32, 32], 2);
        using var kept = ModelZoo.Create("resnet20");
        new TorchEngine(kept).Dispose();
        using (DisposeScope.Enter()) kept.Forward(Tensor.FromArray(x.Data, x.Shape)); // still usable

        var owned = ModelZoo.Create("resnet20");
        new TorchEngine(owned, ownsGraph: true).Dispose();
        using (DisposeScope.Enter())
        {
            Assert.Throws<ObjectDisposedException>(() => owned.Forward(Tensor.Zeros([1, 3, 32, 32])));
        }
    }
}
