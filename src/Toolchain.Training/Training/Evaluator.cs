using Toolchain.Graph;
using Toolchain.Torch;
using Toolchain.Training.Data;
using F = Toolchain.Torch.Functional;

namespace Toolchain.Training;

/// <summary>Scores a graph on a dataset in eval mode, without gradients: loss, top-1 and top-5.</summary>
public static class Evaluator
{
    /// <param name="cancellation">Checked before every batch (a cancelled evaluation throws <see cref="OperationCanceledException"/>).</param>
    public static EvaluationResult Evaluate(ModelGraph graph, ImageDataset dataset, Normalization normalization, int batchSize = 256, CancellationToken cancellation = default)
    {
        var wasTraining = graph.Training;
        graph.Training = false;
        try
        {
            using var noGrad = Libtorch.NoGrad();
            using var loader = new BatchLoader(dataset, ImageAugmentation.Evaluation(normalization), new BatchLoaderOptions(batchSize, Shuffle: false));
            var k = (int)Math.Min(5, graph.OutputShape[^1]);
            double lossSum = 0;
            long top1 = 0, top5 = 0, seen = 0;
            foreach (var batch in loader.Epoch(0))
            {
                using var scope = DisposeScope.Enter();
                using var _ = batch;
                cancellation.ThrowIfCancellationRequested();
                var logits = graph.Forward(batch.Images);
                lossSum += F.CrossEntropy(logits, batch.Labels, reduction: Reduction.Sum).Item();
                var (_, indices) = logits.TopK(k, 1);
                var hits = indices.Eq(batch.Labels.Unsqueeze(1)).To(DType.Float32);
                top1 += (long)hits.Slice(1, 0, 1).Sum().Item();
                top5 += (long)hits.Sum().Item();
                seen += batch.Count;
            }

            return new EvaluationResult((int)seen, lossSum / seen, (double)top1 / seen, (double)top5 / seen);
        }
        finally
        {
            graph.Training = wasTraining;
        }
    }
}
