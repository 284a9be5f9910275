using Toolchain.Graph;
using Toolchain.TestSupport;

namespace Toolchain.Onnx.Tests.Export;

/// <summary>
/// The exported models compute what the graph computes: an interpreter written from the ONNX operator
/// specification (reference/export_reference.py, PyTorch underneath) runs the .onnx file, folded and unfolded,
/// at batch 1 and 3 through the dynamic batch dimension, and its logits must match ModelGraph.Forward in eval mode.
/// </summary>
public sealed class NumericExportTests
{
    [Theory]
    [InlineData("resnet20")]
    [InlineData("mobilenet_v2_cifar")]
    public void Export_ZooModelWithRandomBatchNorms_InterpretedLogitsMatchForward(string name)
    {
        using var graph = ModelZoo.Create(name, seed: 21);
        GraphFixtures.RandomizeBatchNorms(graph);
        using var dir = new TempDirectory();
        ExportOracle.AssertInterpretedMatchesForward(graph, dir, [1, 3]);
    }

    [Fact]
    public void Export_HandBuiltGraphOfTheOtherOps_PassesCheckerAndInterpretedMatchesForward()
    {
        using var graph = SmallGraphs.EveryOtherOp();
        GraphFixtures.RandomizeBatchNorms(graph);
        using var dir = new TempDirectory();
        ExportOracle.AssertInterpretedMatchesForward(graph, dir, [1, 3]);

        var reports = ExportOracle.Check(dir.File($"{graph.Name}.onnx"), dir.File($"{graph.Name}.folded.onnx"));
        foreach (var op in new[] { "Split", "Slice", "Transpose", "Reshape", "Concat", "HardSigmoid", "HardSwish", "AveragePool",
                     "MaxPool", "Sigmoid", "Mul", "Add", "Gemm", "Identity", "Conv" })
        {
            Assert.True(reports[0].Count(op) >= 1, $"the hand-built graph exports no {op}");
        }

        Assert.Equal(2, reports[0].Count("Clip"));
        Assert.Equal(0, reports[0].Count("Dropout"));
        Assert.Equal(2, reports[0].Count("BatchNormalization"));
        // The stem BatchNorm folds into its conv; the one after the Add has no conv to fold into.
        Assert.Equal(1, reports[1].Count("BatchNormalization"));
        Assert.Equal(["batch", 96L], reports[0].ValueInfo("flat"));
        Assert.Equal(["batch", 5L], reports[0].Output.Dims);
    }
}
