using Toolchain.Torch;

namespace Toolchain.Pruning;

/// <summary>A compaction and the evidence that it kept the function: the largest output difference to the masked graph.</summary>
public sealed record VerifiedCompaction(CompactionReport Report, double MaxAbsDifference, double Tolerance)
{
    /// <summary>
    /// Masks the graph, runs a fixed random batch through it, compacts, runs the batch again and compares. When every
    /// constant fold was exact the outputs must agree within a float tolerance, or this throws: a compaction that
    /// changed what the network computes is a bug, never a result. (A fold that is only exact away from a padded
    /// border, after network slimming, is reported in the folds and its difference returned, not refused.)
    /// The graph runs in evaluation mode for the comparison and has no masks afterwards.
    /// </summary>
    public static VerifiedCompaction Compact(ChannelGroups groups, GroupMasks masks, CompactionOptions? options = null, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var graph = groups.Graph;
        var wasTraining = graph.Training;
        graph.Training = false;
        try
        {
            using var scope = DisposeScope.Enter();
            using var noGrad = Libtorch.NoGrad();
            var input = RandomBatch(graph.InputShape, seed);
            Masking.Apply(groups, masks);
            // Every output counts (an auxiliary head as much as the main one), element by element in order.
            var masked = graph.ForwardAll(input).SelectMany(o => o.ToArray<float>()).ToArray();
            var report = Compactor.Compact(groups, masks, options);
            var compacted = graph.ForwardAll(input).SelectMany(o => o.ToArray<float>()).ToArray();
            var difference = masked.Zip(compacted, (a, b) => (double)Math.Abs(a - b)).DefaultIfEmpty(0).Max();
            var tolerance = 1e-4 * Math.Max(1, masked.Select(v => (double)Math.Abs(v)).DefaultIfEmpty(0).Max());
            if (difference > tolerance && report.Folds.All(f => f.Kind == FoldKind.Exact))
            {
                throw new InvalidOperationException(
                    $"compacting '{graph.Name}' changed its outputs by up to {difference:G3} (tolerance {tolerance:G3}) although every fold was exact; " +
                    "this is a bug in a channel rule or in compaction, please report it with the model");
            }

            return new VerifiedCompaction(report, difference, tolerance);
        }
        finally
        {
            Masking.Clear(graph);
            graph.Training = wasTraining;
        }
    }

    /// <summary>Two images of the graph's input shape, uniform in [−1, 1), from a generator of their own (libtorch's global one stays untouched).</summary>
    private static Tensor RandomBatch(long[] inputShape, int seed)
    {
        long[] shape = [2, .. inputShape.Skip(1)];
        return Tensor.FromArray(SeededInputs.Uniform(shape, seed), shape);
    }
}
