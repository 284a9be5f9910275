using Toolchain.Graph;
using Toolchain.Runtime;
using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Onnx.Tests.Export;

/// <summary>
/// Every Resize the IR holds (nearest and bilinear, align_corners, sizes and scale factors, up and down, non-square)
/// written to ONNX: ONNX Runtime computes what the executor computes, at the batch imported for and another, and
/// the file reads back to the same attributes.
/// </summary>
public sealed class ResizeExportTests
{
    [Fact]
    public void Resize_EveryMode_RunsInOnnxRuntimeWithTheExecutorsOutputAndReimportsUnchanged()
    {
        using var scope = DisposeScope.Enter();
        using var graph = Build();
        var onnx = OnnxExporter.Export(graph);
        using var ort = OrtEngine.Load(onnx, "resize");
        foreach (var batch in new[] { 2, 3 })
        {
            var x = Tensor.RandN([batch, 3, 7, 6]);
            Tensor expected;
            using (Libtorch.NoGrad()) expected = graph.Forward(x);
            var y = ort.Run([new HostTensor(x.Shape, x.ToArray<float>())])[0];
            TensorAssert.Close(expected, Tensor.FromArray(y.Data, y.Shape), 1e-4, 1e-5, $"batch {batch}: ONNX Runtime vs executor");
        }

        using var reimported = OnnxImporter.Import(onnx, "resize.onnx");
        Assert.Equal(
            graph.Nodes.Where(n => n.Op == OpKind.Resize).Select(n => n.Attributes),
            reimported.Nodes.Where(n => n.Op == OpKind.Resize).Select(n => n.Attributes));
    }

    private static ModelGraph Build()
    {
        using var b = new GraphBuilder("resize", [2, 3, 7, 6], seed: 3);
        var c = b.Conv(b.Input, 4, 3, name: "conv");
        c = GraphFixtures.ResizeChain(b, c);
        c = b.Resize(c, (2L, 3L), ResizeMode.Bilinear, name: "bilinear_down");
        b.Output(b.Conv(c, 5, 1, name: "conv2"));
        return b.Build();
    }
}
