using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Pruning;
using Toolchain.Runtime;
using Toolchain.Torch;

namespace Toolchain.Benchmarks;

/// <summary>
/// Does structural pruning pay off on the deployed engine? A zoo model is exported dense and again after the uniform
/// L1 baseline removed <c>ratio</c> of the channels of every prunable group (OneShotPruning.Prune), both with
/// BatchNorm folded, and both files run in ONNX Runtime (CPU, batch 1, intra-op threads = libtorch's) in the same
/// process, alternating over a few rounds; each side's best p50 counts. Prints the speed-up next to the parameter
/// and MAC reductions (the speed-up a MAC-proportional engine would reach). The pruned file must compute what our
/// executor computes for the pruned graph — a fast but wrong export does not count.
/// </summary>
public static class PrunedLatencyBenchmark
{
    public static double Run(string model, int iterations, double ratio = 0.5)
    {
        var directory = Directory.CreateTempSubdirectory("toolchain-bench-");
        try
        {
            var dense = Path.Combine(directory.FullName, "dense.onnx");
            var pruned = Path.Combine(directory.FullName, "pruned.onnx");
            var options = new OrtEngineOptions { IntraOpThreads = Libtorch.Threads };
            PruneReport report;
            HostTensor input;
            using (var graph = ModelZoo.Create(model))
            {
                input = HostTensor.RandomUniform(graph.InputShape);
                OnnxExporter.ExportToFile(graph, dense, new OnnxExportOptions { FoldBatchNorm = true });
                report = OneShotPruning.Prune(graph, Importance.Create("l1"), ratio);
                OnnxExporter.ExportToFile(graph, pruned, new OnnxExportOptions { FoldBatchNorm = true });
                CheckParity(model, graph, pruned, input, options);
            }

            var best = OrtLatency.BestP50([dense, pruned], input, options, iterations);
            var (bestDense, bestPruned) = (best[0], best[1]);

            var speedUp = bestDense / bestPruned;
            var parameters = (double)report.ParametersBefore / report.ParametersAfter;
            var macs = (double)report.MacsBefore / report.MacsAfter;
            Console.WriteLine($"{$"ORT latency {model} pruned {ratio:P0} L1 (batch 1, p50, {options.IntraOpThreads} threads)",-44} " +
                              $"dense {bestDense,9:F3} ms    pruned {bestPruned,9:F3} ms    speed-up {speedUp,5:F2}×    " +
                              $"params {report.ParametersBefore:N0} → {report.ParametersAfter:N0} ({parameters:F2}× fewer)    " +
                              $"MACs {report.MacsBefore:N0} → {report.MacsAfter:N0} ({macs:F2}× fewer)");
            return speedUp;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static void CheckParity(string model, ModelGraph graph, string onnx, HostTensor input, OrtEngineOptions options)
    {
        using var ort = OrtEngine.Load(onnx, options);
        using var ours = new TorchEngine(graph);
        OrtLatency.AssertSameOutputs($"{model} pruned: ONNX Runtime and our executor", ours.Run([input])[0].Data, ort.Run([input])[0].Data);
    }
}
