using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Runtime;
using Toolchain.TestSupport;
using Toolchain.Torch;
using Xunit.Sdk;

namespace Toolchain.Pruning.Tests.Deployment;

/// <summary>
/// What a pruned model must match once deployed: the masked graph's output (null where pruning does not preserve it)
/// and the costs predicted from the widths.
/// </summary>
internal sealed record DeploymentExpectation(HostTensor? MaskedOutput, long PredictedParameters, long PredictedMacs, double Tolerance);

/// <summary>The largest differences <see cref="DeploymentCheck.AssertDeploys"/> found (relative to the output scale):
/// the compacted graph against the masked one (NaN without a masked output), ONNX Runtime against the masked graph
/// (or the compacted one without it).</summary>
internal sealed record DeploymentErrors(double Compaction, double OnnxRuntime);

/// <summary>
/// The deployment path a user takes after pruning: export the compacted graph to an .onnx file (BatchNorm folded and
/// not), run the file in ONNX Runtime, and import it again. Outputs are compared as max |actual − expected| over
/// max |expected| (the output's scale).
/// </summary>
internal static class DeploymentCheck
{
    /// <summary>The graph's input shape at another batch size.</summary>
    public static long[] InputShape(ModelGraph graph, int batch)
    {
        var shape = graph.InputShape;
        shape[0] = batch;
        return shape;
    }

    /// <summary>Our libtorch executor in eval mode.</summary>
    public static HostTensor Execute(ModelGraph graph, HostTensor input)
    {
        using var engine = new TorchEngine(graph);
        return engine.Run([input])[0];
    }

    public static HostTensor ToHost(Tensor tensor) => new(tensor.Shape, tensor.ToArray<float>());

    public static double RelativeError(HostTensor expected, HostTensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var scale = expected.Data.Max(v => Math.Abs((double)v));
        Assert.True(scale > 0, "the expected output is all zeros: a comparison against it would prove nothing");
        var worst = expected.Data.Zip(actual.Data, (e, a) => Math.Abs((double)e - a)).Max();
        return double.IsNaN(worst) ? double.PositiveInfinity : worst / scale;
    }

    public static void AssertClose(HostTensor expected, HostTensor actual, double tolerance, string what)
    {
        var error = RelativeError(expected, actual);
        if (!(error <= tolerance)) throw new XunitException($"{what}: differs by {error:E2} of the output scale (tolerance {tolerance:E0})");
    }

    /// <summary>
    /// Checks the compacted <paramref name="graph"/> against <paramref name="expected"/>: its own executor output, then
    /// for an unfolded and a BatchNorm-folded export the output of ONNX Runtime running the file and the re-imported
    /// model's size: the unfolded file holds exactly the compacted tensors (names and shapes, so the parameter count),
    /// and both files have the MACs the cost model predicted.
    /// </summary>
    public static DeploymentErrors AssertDeploys(ModelGraph graph, HostTensor input, DeploymentExpectation expected)
    {
        var label = graph.Name;
        var compacted = Execute(graph, input);
        var compactionError = double.NaN;
        var ortError = 0.0;
        if (expected.MaskedOutput is { } masked)
        {
            compactionError = RelativeError(masked, compacted);
            AssertClose(masked, compacted, expected.Tolerance, $"{label}: compacted graph (executor) vs masked graph");
        }
        Assert.Equal(expected.PredictedParameters, graph.ParameterCount);
        Assert.Equal(expected.PredictedMacs, graph.Macs);

        using var dir = new TempDirectory();
        foreach (var fold in new[] { false, true })
        {
            var what = $"{label} ({(fold ? "BatchNorm folded" : "unfolded")})";
            var path = dir.File(fold ? "folded.onnx" : "unfolded.onnx");
            OnnxExporter.ExportToFile(graph, path, new OnnxExportOptions { FoldBatchNorm = fold });

            HostTensor deployed;
            using (var ort = OrtEngine.Load(path)) deployed = ort.Run([input])[0];
            ortError = Math.Max(ortError, RelativeError(expected.MaskedOutput ?? compacted, deployed));
            if (expected.MaskedOutput is { } m) AssertClose(m, deployed, expected.Tolerance, $"{what}: ONNX Runtime vs masked graph");
            AssertClose(compacted, deployed, expected.Tolerance, $"{what}: ONNX Runtime vs compacted graph (executor)");

            using var reloaded = OnnxImporter.Import(path);
            Assert.Equal(expected.PredictedMacs, reloaded.Macs);
            if (fold)
            {
                // Every BatchNorm that directly follows a conv went into the conv's weights.
                Assert.DoesNotContain(reloaded.Nodes, n => n.Op == OpKind.BatchNorm && reloaded.Producer(n.Inputs[0]) is { Op: OpKind.Conv } conv
                                                           && reloaded.Consumers(conv.Output).Count == 1);
                continue;
            }

            Assert.Equal(graph.ParameterCount, reloaded.ParameterCount);
            var ours = graph.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Shape);
            var file = reloaded.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Shape);
            Assert.Equal(ours.Keys.Order(), file.Keys.Order());
            foreach (var (name, shape) in ours) Assert.True(shape.SequenceEqual(file[name]), $"{what}: '{name}' is {Shapes.Format(file[name])} in the file, {Shapes.Format(shape)} in the compacted graph");
        }

        return new DeploymentErrors(compactionError, ortError);
    }
}
