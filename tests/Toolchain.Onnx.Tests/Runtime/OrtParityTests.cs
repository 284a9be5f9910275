using Toolchain.TestSupport;
using Toolchain.Graph;
using Toolchain.Onnx.Tests.Export;
using Toolchain.Runtime;
using Toolchain.Torch;

namespace Toolchain.Onnx.Tests.Runtime;

/// <summary>
/// The deployed engine computes what our executor computes: every zoo model (random weights, randomised BatchNorm
/// statistics so folding matters), exported folded and unfolded, run in ONNX Runtime at batch 2 through the
/// dynamic batch dimension, equals ModelGraph.Forward in eval mode within 1e-4 of the logit scale.
/// </summary>
public sealed class OrtParityTests
{
    public static TheoryData<string> ZooNames => new(ModelZoo.Names);

    [Theory]
    [MemberData(nameof(ZooNames))]
    public void ZooModel_OnnxRuntimeMatchesOurExecutor(string name)
    {
        using var graph = ModelZoo.Create(name, seed: 3);
        GraphFixtures.RandomizeBatchNorms(graph);
        AssertOrtMatchesForward(graph, batch: 2);
    }

    [Fact]
    public void HandBuiltGraphOfTheOtherOps_OnnxRuntimeMatchesOurExecutor()
    {
        using var graph = SmallGraphs.EveryOtherOp();
        GraphFixtures.RandomizeBatchNorms(graph);
        AssertOrtMatchesForward(graph, batch: 3);
    }

    [Theory]
    // Ceil mode is where frameworks disagree: PyTorch drops a window that would start in the right padding and
    // divides an overhanging average window by its size clipped to the padded input. The export must agree.
    [InlineData(5, 2, 2, 1, false)]
    [InlineData(6, 3, 2, 1, false)]
    [InlineData(7, 3, 2, 0, false)]
    [InlineData(5, 2, 2, 1, true)]
    [InlineData(6, 3, 2, 1, true)]
    [InlineData(7, 3, 2, 0, true)]
    [InlineData(8, 3, 3, 1, true)]
    public void CeilModePooling_OnnxRuntimeMatchesOurExecutor(int size, int kernel, int stride, int padding, bool average)
    {
        using var b = new GraphBuilder("ceil_pool", [1, 3, size, size], seed: 1);
        b.Output(average
            ? b.AveragePool(b.Input, kernel, stride, padding, ceilMode: true, countIncludePad: true, name: "avg")
            : b.MaxPool(b.Input, kernel, stride, padding, ceilMode: true, name: "max"));
        using var graph = b.Build();
        AssertOrtMatchesForward(graph, batch: 2);
    }

    internal static void AssertOrtMatchesForward(ModelGraph graph, int batch)
    {
        var shape = graph.InputShape;
        shape[0] = batch;
        var input = HostTensor.RandomUniform(shape, seed: 7);
        HostTensor expected;
        using (var ours = new TorchEngine(graph)) expected = ours.Run([input])[0];

        foreach (var fold in new[] { false, true })
        {
            var onnx = OnnxExporter.Export(graph, new OnnxExportOptions { FoldBatchNorm = fold });
            using var ort = OrtEngine.Load(onnx, graph.Name);
            var actual = ort.Run([input])[0];
            Assert.Equal(expected.Shape, actual.Shape);
            var scale = Math.Max(1, expected.Data.Max(v => Math.Abs(v)));
            var error = expected.Data.Zip(actual.Data, (p, q) => Math.Abs(p - q)).Max() / scale;
            Assert.True(error <= 1e-4, $"{graph.Name} ({(fold ? "folded" : "unfolded")}): ONNX Runtime differs by {error:E2} of the logit scale");
        }
    }
}
