using Toolchain.Graph;
using Toolchain.Pruning;
using Toolchain.Runtime;

namespace Toolchain.Profiling;

/// <summary>One compared width assignment: the prediction and the engine's measurement of the compacted model.</summary>
public sealed record ValidationSample(string Label, int[] Widths, double PredictedMs, double MeasuredMs)
{
    /// <summary>(predicted − measured) / measured, in percent.</summary>
    public double ErrorPercent => (PredictedMs - MeasuredMs) / MeasuredMs * 100;
}

/// <summary>Predicted against measured latency over a model's width assignments.</summary>
public sealed record ValidationReport(string Model, string Engine, IReadOnlyList<ValidationSample> Samples)
{
    /// <summary>Mean absolute percentage error over the samples.</summary>
    public double MeanAbsolutePercentageError => Samples.Average(s => Math.Abs(s.ErrorPercent));

    public double MaxAbsolutePercentageError => Samples.Max(s => Math.Abs(s.ErrorPercent));
}

/// <summary>
/// Checks a profile's promise on real models: the dense model and random width assignments are compacted into
/// physically smaller models, deployed on the engine and measured (interleaved, <see cref="ModelLatency"/>), and
/// each measurement is compared with the prediction.
/// </summary>
public static class PredictionValidator
{
    /// <summary>Random widths: each prunable group keeps a uniform fraction in [<paramref name="minFraction"/>, 1] of its channels (at least one).</summary>
    public static int[][] RandomWidths(ChannelGroups groups, int count, int seed, double minFraction = 0.1)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "the number of samples cannot be negative");
        if (!(minFraction > 0 && minFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(minFraction), minFraction, "the smallest kept fraction lies in (0, 1]");
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => groups.Groups.Select(g =>
        {
            if (!g.Prunable) return g.Channels;
            var low = Math.Max(1, (int)Math.Ceiling(minFraction * g.Channels));
            return random.Next(low, g.Channels + 1);
        }).ToArray()).ToArray();
    }

    /// <param name="open">Opens a fresh copy of the model (each assignment compacts its own copy).</param>
    /// <param name="samples">Random assignments besides the dense model.</param>
    public static ValidationReport Validate(Func<ModelGraph> open, LatencyProfile profile, ProfileEngine engine, int batch, int samples, int seed,
        ModelMeasurement? measurement = null, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(engine);
        using var dense = open();
        var groups = ChannelGroups.Discover(dense);
        var predictor = new LatencyPredictor(profile, groups);
        var assignments = new List<(string Label, int[] Widths)> { ("dense", groups.FullWidths()) };
        assignments.AddRange(RandomWidths(groups, samples, seed).Select((w, i) => ($"random {i + 1}", w)));
        var measured = Measure(open, dense, engine, batch, assignments.Select(a => a.Widths).ToList(), measurement ?? new ModelMeasurement(), progress);
        var results = assignments.Select((a, i) => new ValidationSample(a.Label, a.Widths, predictor.Total(a.Widths), measured[i])).ToList();
        return new ValidationReport(dense.Name, engine.Name, results);
    }

    /// <summary>
    /// Measures the model at each width assignment on the engine: assignments below full width are compacted from
    /// fresh copies (<paramref name="open"/>); all are deployed first, then measured interleaved.
    /// </summary>
    internal static double[] Measure(Func<ModelGraph> open, ModelGraph dense, ProfileEngine engine, int batch, IReadOnlyList<int[]> assignments,
        ModelMeasurement measurement, IProgress<double>? progress)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "the batch must be ≥ 1");
        var full = ChannelGroups.Discover(dense).FullWidths();
        var graphs = new List<ModelGraph>();
        var engines = new List<IInferenceEngine>();
        try
        {
            foreach (var widths in assignments)
            {
                var graph = widths.SequenceEqual(full) ? dense : Compacted(open, graphs, widths);
                engines.Add(engine.Deploy(graph));
            }

            var shape = dense.InputShape;
            shape[0] = batch;
            var input = ProfileEngine.RandomInput(shape);
            return ModelLatency.Measure(engines, engines.Select(_ => input).ToArray(), measurement, progress);
        }
        finally
        {
            foreach (var e in engines) e.Dispose();
            foreach (var g in graphs) g.Dispose();
        }
    }

    /// <summary>A fresh copy of the model with the first <paramref name="widths"/>[g] channels of each group kept, physically compacted.</summary>
    private static ModelGraph Compacted(Func<ModelGraph> open, List<ModelGraph> owned, int[] widths)
    {
        var graph = open();
        owned.Add(graph);
        var groups = ChannelGroups.Discover(graph);
        if (groups.Count != widths.Length) throw new InvalidOperationException($"'{graph.Name}' opened with {groups.Count} channel groups, expected {widths.Length}");
        var masks = new GroupMasks(groups);
        foreach (var g in groups.Groups.Where(g => g.Prunable && widths[g.Id] < g.Channels)) masks.KeepOnly(g.Id, Enumerable.Range(0, widths[g.Id]));
        Compactor.Compact(groups, masks);
        return graph;
    }
}
