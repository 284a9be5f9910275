using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Runtime;
using Toolchain.Torch;
using Toolchain.Torch.Serialization;

namespace Toolchain.Pipeline;

/// <summary>
/// Writes a graph as ONNX the way every command that produces a deployable file does: export, prove the file
/// (ONNX Runtime runs a seeded random batch and must reproduce our executor's outputs within 1e-4 of their
/// scale), and only then write it, atomically. A file that would deploy wrong is never written.
/// </summary>
public static class OnnxOutput
{
    public static OnnxOutputResult Write(ModelGraph graph, string path, OnnxExportOptions options, bool verify)
    {
        var bytes = OnnxExporter.Export(graph, options);
        double? maxDiff = null, scale = null;
        if (verify)
        {
            (maxDiff, scale) = Parity(graph, bytes, options.DynamicBatch ? 2 : (int)graph.InputShape[0]);
            if (maxDiff > 1e-4 * Math.Max(1, scale!.Value))
            {
                throw new InvalidOperationException($"ONNX Runtime's outputs differ from ours by {maxDiff:G3} (output scale {scale:G3}); '{path}' not written");
            }
        }

        AtomicFile.WriteAllBytes(path, bytes);
        return new OnnxOutputResult(bytes.Length, maxDiff, scale);
    }

    /// <summary>Runs a seeded random batch through ONNX Runtime and our executor; returns (max |Δ|, max |output|).</summary>
    private static (double MaxDiff, double Scale) Parity(ModelGraph graph, byte[] onnx, int batch)
    {
        var shape = graph.InputShape;
        shape[0] = batch;
        var input = HostTensor.RandomUniform(shape);
        using var ort = OrtEngine.Load(onnx, graph.Name, new OrtEngineOptions());
        using var ours = new TorchEngine(graph, ownsGraph: false);
        // Every output, in order (both engines return them all): a model with an auxiliary head is checked on each.
        var expected = ours.Run([input]);
        var actual = ort.Run([input]);
        if (expected.Count != actual.Count) throw new InvalidOperationException($"ONNX Runtime returns {actual.Count} outputs, our executor {expected.Count}");
        var diff = expected.Zip(actual, (e, a) => e.Data.Zip(a.Data, (x, y) => (double)Math.Abs(x - y)).Max()).Max();
        return (diff, expected.Max(e => e.Data.Max(v => Math.Abs((double)v))));
    }

}
