using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Runtime;
using Toolchain.Torch;
using Toolchain.Torch.Serialization;

namespace Toolchain.Benchmarks;

/// <summary>
/// Is our ONNX export as efficient to deploy as PyTorch's own? The same architecture with the same weights is
/// exported by us (BatchNorm folded) and by torch.onnx.export, and both files run in ONNX Runtime (CPU, batch 1,
/// same threads) in the same process, alternating; we report p50 latency and the ratio ours / PyTorch's
/// (target ≤ 1.05). The two exports' outputs must also agree — a fast but wrong export does not count.
/// </summary>
public static class OnnxLatencyBenchmark
{
    public static double Run(string model, int iterations)
    {
        var directory = Directory.CreateTempSubdirectory("toolchain-bench-");
        try
        {
            var ours = Path.Combine(directory.FullName, "ours.onnx");
            var theirs = Path.Combine(directory.FullName, "pytorch.onnx");
            long[] inputShape;
            using (var graph = ModelZoo.Create(model))
            {
                inputShape = graph.InputShape;
                OnnxExporter.ExportToFile(graph, ours, new OnnxExportOptions { FoldBatchNorm = true });
                var weights = Path.Combine(directory.FullName, "weights.safetensors");
                SafeTensors.Save(weights, graph.StateDict());
                PyTorchSide.Execute("onnx_export_bench.py", model, weights, theirs);
            }

            var input = HostTensor.RandomUniform(inputShape);
            var threads = Libtorch.Threads;
            var options = new OrtEngineOptions { IntraOpThreads = threads };
            CheckParity(model, ours, theirs, input, options);

            var best = OrtLatency.BestP50([ours, theirs], input, options, iterations);
            var (bestOurs, bestTheirs) = (best[0], best[1]);

            var ratio = bestOurs / bestTheirs;
            Console.WriteLine($"{$"ORT latency {model} (batch 1, p50, {threads} threads)",-44} ours {bestOurs,9:F3} ms    " +
                              $"PyTorch export {bestTheirs,9:F3} ms    ratio ours/PyTorch {ratio,5:F3} (target ≤ 1.05: {(ratio <= 1.05 ? "ok" : "ABOVE TARGET")})");
            return ratio;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static void CheckParity(string model, string ours, string theirs, HostTensor input, OrtEngineOptions options)
    {
        using var a = OrtEngine.Load(ours, options);
        using var b = OrtEngine.Load(theirs, options);
        OrtLatency.AssertSameOutputs($"{model}: our export and PyTorch's", a.Run([input])[0].Data, b.Run([input])[0].Data);
    }
}
