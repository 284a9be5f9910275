using Toolchain.Graph;
using Toolchain.Pruning;
using Toolchain.Runtime;

namespace Toolchain.Profiling;

/// <summary>
/// One compared width assignment: the engine's measurement of the compacted model and the predictions — as profiled,
/// at the machine's speed during the measurement (<paramref name="SpeedFactor"/>), and with the whole-model
/// calibration measured in the same rounds (<paramref name="RecalibratedMs"/>, when the validation recalibrated;
/// <paramref name="FitPoint"/>: the assignment was one the recalibration was fitted on, so its error is a residual).
/// </summary>
public sealed record ValidationSample(string Label, int[] Widths, double PredictedMs, double MeasuredMs, double SpeedFactor = 1, double? RecalibratedMs = null,
    bool FitPoint = false)
{
    /// <summary>The prediction on the machine running at its speed during the measurement: <see cref="PredictedMs"/> · <see cref="SpeedFactor"/>.</summary>
    public double PredictedNowMs => PredictedMs * SpeedFactor;

    /// <summary>(predicted now − measured) / measured, in percent.</summary>
    public double ErrorPercent => (PredictedNowMs - MeasuredMs) / MeasuredMs * 100;

    /// <summary>(predicted as profiled − measured) / measured, in percent: includes the machine's drift since profiling.</summary>
    public double UnadjustedErrorPercent => (PredictedMs - MeasuredMs) / MeasuredMs * 100;

    /// <summary>(predicted with the calibration measured now − measured) / measured, in percent; null without recalibration.</summary>
    public double? RecalibratedErrorPercent => RecalibratedMs is { } now ? (now - MeasuredMs) / MeasuredMs * 100 : null;
}

/// <summary>
/// How fast the machine ran during a validation against when the profile was calibrated: the
/// <see cref="SpeedProbe"/>'s latency then and now (ms). <see cref="Factor"/> &gt; 1: slower now.
/// </summary>
public sealed record MachineSpeed(double ProbeAtCalibrationMs, double ProbeNowMs)
{
    public double Factor => ProbeNowMs / ProbeAtCalibrationMs;
}

/// <summary>
/// Predicted against measured latency over a model's width assignments; <see cref="Recalibration"/> is the
/// whole-model calibration measured in the same rounds, when the validation recalibrated; <see cref="Drift"/> is how
/// the speed probe's latency moved from the measurement's first half to its second.
/// </summary>
public sealed record ValidationReport(string Model, string Engine, IReadOnlyList<ValidationSample> Samples, MachineSpeed? Speed, ModelCalibration? Recalibration = null,
    SpeedDrift? Drift = null)
{
    /// <summary>Mean absolute percentage error over the samples, at the machine's speed during the measurement.</summary>
    public double MeanAbsolutePercentageError => Samples.Average(s => Math.Abs(s.ErrorPercent));

    public double MaxAbsolutePercentageError => Samples.Max(s => Math.Abs(s.ErrorPercent));

    /// <summary>The same against the profile's predictions as they are: the machine's drift since profiling included.</summary>
    public double UnadjustedMeanAbsolutePercentageError => Samples.Average(s => Math.Abs(s.UnadjustedErrorPercent));

    /// <summary>
    /// Mean absolute percentage error of the predictions with the calibration measured now, over the samples it was
    /// not fitted on — the per-layer model's error in the host's current state; null without recalibration.
    /// </summary>
    public double? RecalibratedMeanAbsolutePercentageError => Recalibration is null ? null : HeldOutErrors().DefaultIfEmpty(double.NaN).Average();

    public double? RecalibratedMaxAbsolutePercentageError => Recalibration is null ? null : HeldOutErrors().DefaultIfEmpty(double.NaN).Max();

    private IEnumerable<double> HeldOutErrors() => Samples.Where(s => !s.FitPoint && s.RecalibratedErrorPercent is not null).Select(s => Math.Abs(s.RecalibratedErrorPercent!.Value));
}

/// <summary>
/// Checks a profile's promise on real models: the dense model and random width assignments are compacted into
/// physically smaller models, deployed on the engine and measured (interleaved, <see cref="ModelLatency"/>), and
/// each measurement is compared with the prediction — scaled by the machine's speed now against at calibration
/// (<see cref="SpeedProbe"/>) when the profile recorded it, so the error is the predictor's and not the host's drift.
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
    /// <param name="recalibrationSamples">
    /// Null: compare with the profile's stored calibration only. Otherwise the whole-model calibration is measured
    /// again in the same rounds as the samples (the profiler's assignments, <see cref="Profiler.CalibrationAssignments"/>,
    /// with this many random ones from the profiler's seed), and each sample is also predicted with it. This VM's host
    /// has regimes lasting tens of minutes in which whole models run up to 40 % faster, not uniformly across widths,
    /// so a calibration measured in another regime, even scaled by the speed probe, misses by 7–21 %; refitted now,
    /// the per-layer tables' own error is what remains.
    /// </param>
    public static ValidationReport Validate(Func<ModelGraph> open, LatencyProfile profile, ProfileEngine engine, int batch, int samples, int seed,
        ModelMeasurement? measurement = null, IProgress<double>? progress = null, CancellationToken cancellation = default, int? recalibrationSamples = null)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(engine);
        if (recalibrationSamples < 0) throw new ArgumentOutOfRangeException(nameof(recalibrationSamples), recalibrationSamples, "cannot be negative");
        using var dense = open();
        var groups = ChannelGroups.Discover(dense);
        var predictor = new LatencyPredictor(profile, groups);
        var assignments = new List<(string Label, int[] Widths)> { ("dense", groups.FullWidths()) };
        assignments.AddRange(RandomWidths(groups, samples, seed).Select((w, i) => ($"random {i + 1}", w)));
        var calibration = recalibrationSamples is { } extra ? Profiler.CalibrationAssignments(groups, extra, new ProfilerOptions().CalibrationSeed) : [];
        // The calibration's first assignment is the dense model, measured once as the first sample: a fit point, its
        // error a residual. The others are measured after the samples, in their order.
        var fitOnly = calibration.Skip(1).ToList();
        var (measured, probeMs, drift) = Measure(open, dense, engine, batch, assignments.Concat(fitOnly).Select(a => a.Widths).ToList(), measurement ?? new ModelMeasurement(), progress, cancellation);
        var speed = predictor.ProbeAtCalibrationMs is { } then ? new MachineSpeed(then, probeMs) : null;
        var now = calibration.Count == 0 ? null : Profiler.FitCalibration(profile, dense, calibration, [measured[0], .. measured[assignments.Count..]], probeMs);

        var results = assignments.Select((a, i) =>
        {
            double? recalibrated = now is null ? null : Apply(now, predictor.RawSum(a.Widths));
            return new ValidationSample(a.Label, a.Widths, predictor.Total(a.Widths), measured[i], speed?.Factor ?? 1, recalibrated, FitPoint: now is not null && i == 0);
        }).ToList();
        return new ValidationReport(dense.Name, engine.Name, results, speed, now, drift);

        static double Apply(ModelCalibration c, (double LayersMs, int Kernels) raw) => c.Apply(raw.LayersMs, raw.Kernels);
    }

    /// <summary>
    /// Measures the model at each width assignment on the engine, and the <see cref="SpeedProbe"/> beside them:
    /// assignments below full width are compacted from fresh copies (<paramref name="open"/>); all are deployed first,
    /// then measured interleaved, so the probe sees the same machine as the models, and the probe's runs in order
    /// give the machine's drift during the measurement (null from a single timed run).
    /// </summary>
    internal static (double[] ModelsMs, double ProbeMs, SpeedDrift? Drift) Measure(Func<ModelGraph> open, ModelGraph dense, ProfileEngine engine, int batch, IReadOnlyList<int[]> assignments,
        ModelMeasurement measurement, IProgress<double>? progress, CancellationToken cancellation = default)
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

            var probe = SpeedProbe.Create();
            graphs.Add(probe);
            engines.Add(engine.Deploy(probe));
            var modelInput = BatchInput(dense, batch);
            var inputs = Enumerable.Repeat(modelInput, assignments.Count).Append(BatchInput(probe, batch)).ToArray();
            var series = ModelLatency.MeasureSeries(engines, inputs, measurement, progress, cancellation);
            var measured = series.Select(s => new LatencyStatistics(s).Percentile(measurement.Percentile)).ToArray();
            return (measured[..^1], measured[^1], SpeedDrift.Of(series[^1], measurement.Percentile));
        }
        finally
        {
            foreach (var e in engines) e.Dispose();
            foreach (var g in graphs) g.Dispose();
        }
    }

    private static HostTensor BatchInput(ModelGraph graph, int batch)
    {
        var shape = graph.InputShape;
        shape[0] = batch;
        return HostTensor.RandomUniform(shape);
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
