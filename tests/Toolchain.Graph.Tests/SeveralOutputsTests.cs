using Toolchain.Graph.Serialization;
using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Graph.Tests;

/// <summary>A graph with two outputs (a dense head and a classifier on one trunk): the executor, graph files and refusals.</summary>
public sealed class SeveralOutputsTests
{
    [Fact]
    public void ForwardAll_ReturnsEveryOutputInOrder_AndAReluDoesNotOverwriteAnOutputItReads()
    {
        using var scope = DisposeScope.Enter();
        using var graph = Build();
        Assert.Equal(["trunk", "scores", "logits"], graph.OutputNames);
        Assert.Equal("trunk", graph.OutputName);
        var x = Tensor.RandN([2, 3, 6, 10]);
        using var noGrad = Libtorch.NoGrad();
        var outputs = graph.ForwardAll(x);
        Assert.Equal(3, outputs.Count);
        // "trunk" is a conv output read by a ReLU: the ReLU would overwrite it in place if it were not an output.
        var trunk = graph.Forward(x);
        TensorAssert.Close(trunk, outputs[0], 0, 0, "trunk");
        Assert.True(outputs[0].Min().Item() < 0, "the trunk output lost its negative values to the ReLU that reads it");
        Assert.Equal([2L, 5, 6, 10], outputs[1].Shape);
        Assert.Equal([2L, 4], outputs[2].Shape);
    }

    [Fact]
    public void GraphFile_WithSeveralOutputs_RoundTripsThemInOrder()
    {
        using var scope = DisposeScope.Enter();
        using var graph = Build();
        using var dir = new TempDirectory();
        GraphFile.Save(graph, dir.File("g.safetensors"));
        using var loaded = GraphFile.Load(dir.File("g.safetensors"));
        Assert.Equal(graph.OutputNames, loaded.Graph.OutputNames);
        var x = Tensor.RandN([1, 3, 6, 10]);
        using var noGrad = Libtorch.NoGrad();
        foreach (var (a, b) in graph.ForwardAll(x).Zip(loaded.Graph.ForwardAll(x))) TensorAssert.Close(a, b, 0, 0, "reloaded output");
    }

    [Fact]
    public void Build_WithAnOutputListedTwice_IsRefused()
    {
        using var b = new GraphBuilder("twice", [1, 3, 4, 4]);
        var y = b.Conv(b.Input, 4, 1, name: "conv");
        b.Output(y);
        b.AlsoOutput(y);
        var e = Assert.Throws<ArgumentException>(() => b.Build());
        Assert.Contains("name a value twice", e.Message);
    }

    /// <summary>conv "trunk" (an output) → ReLU → bilinear head to the non-square input size (an output) and a pooled classifier (an output).</summary>
    private static ModelGraph Build()
    {
        using var b = new GraphBuilder("two_heads", [1, 3, 6, 10], seed: 11);
        var trunk = b.Conv(b.Input, 6, 3, stride: 2, padding: 1, name: "trunk");
        var r = b.Relu(trunk, "relu");
        var scores = b.Resize(b.Conv(r, 5, 1, name: "seg"), (6L, 10L), name: "scores");
        var logits = b.Linear(b.Flatten(b.GlobalAveragePool(r, "gap"), name: "flat"), 4, name: "logits");
        b.Output(trunk);
        b.AlsoOutput(scores);
        b.AlsoOutput(logits);
        return b.Build();
    }
}
