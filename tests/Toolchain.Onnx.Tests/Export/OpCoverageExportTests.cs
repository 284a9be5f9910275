using Toolchain.Graph;
using Toolchain.Runtime;
using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Onnx.Tests.Export;

/// <summary>
/// Every member of <see cref="OpKind"/> through the exporter and back: the written file runs in ONNX Runtime with
/// the executor's output, and importing it again gives a graph with the same output. A rule that compiles but
/// writes the wrong ONNX (attribute spelling, input order, PyTorch-vs-ONNX defaults) fails here, op by op.
/// </summary>
public sealed class OpCoverageExportTests
{
    public static TheoryData<OpKind> Ops => new(OpSamples.All);

    [Theory]
    [MemberData(nameof(Ops))]
    public void EveryOp_ExportRunsInOnnxRuntimeAndReimportsWithTheExecutorsOutput(OpKind op)
    {
        using var scope = DisposeScope.Enter();
        using var graph = OpSamples.Containing(op);
        // Fixed draws: the two engines' rounding is compared at a tolerance, and the global generator gives other
        // values each run (tests draw from it in parallel).
        using var generator = new Generator((ulong)op + 1);
        GraphFixtures.RandomizeBatchNorms(graph, generator);
        graph.Training = false;
        var x = Tensor.RandN([2, 3, 8, 8], generator: generator);
        Tensor expected;
        using (Libtorch.NoGrad()) expected = graph.Forward(x);

        var onnx = OnnxExporter.Export(graph);
        using (var ort = OrtEngine.Load(onnx, $"sample_{op}"))
        {
            var y = ort.Run([new HostTensor(x.Shape, x.ToArray<float>())])[0];
            TensorAssert.Close(expected, Tensor.FromArray(y.Data, y.Shape), 1e-4, 1e-5, $"{op}: ONNX Runtime vs executor");
        }

        using var reimported = OnnxImporter.Import(onnx, $"sample_{op}.onnx");
        using (Libtorch.NoGrad())
        {
            TensorAssert.Close(expected, reimported.Forward(x), 1e-4, 1e-5, $"{op}: re-imported vs executor");
        }

        // The op itself comes back, except where the export has no node of its own: BatchNorm folds into the conv
        // before it, Dropout vanishes in inference, the importer drops Identity, and SiLU is written as x·sigmoid(x)
        // (opset 17 has no SiLU), which reads back as Sigmoid and Mul.
        if (op is not (OpKind.BatchNorm or OpKind.Dropout or OpKind.Identity or OpKind.SiLU))
        {
            Assert.Contains(reimported.Nodes, n => n.Op == op);
        }
    }
}
