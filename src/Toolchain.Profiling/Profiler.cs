using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Toolchain.Graph;
using Toolchain.Pruning;

namespace Toolchain.Profiling;

/// <summary>How densely and how long layers are measured.</summary>
public sealed record ProfilerOptions
{
    /// <summary>Untimed runs of each single-layer model before the timed ones.</summary>
    public int Warmup { get; init; } = 5;

    /// <summary>Timed runs per sample.</summary>
    public int Runs { get; init; } = 25;

    /// <summary>The initial grid: both extremes and multiples of this.</summary>
    public int GridStep { get; init; } = 8;

    /// <summary>At most this many initial samples per axis (the grid step grows in multiples of <see cref="GridStep"/>).</summary>
    public int MaxInitialPoints { get; init; } = 17;

    /// <summary>Bisect where the curve steps (see <see cref="AxisSampler.Refine"/>).</summary>
    public bool Refine { get; init; } = true;

    /// <summary>At most this many samples added per axis by refinement.</summary>
    public int MaxRefinePoints { get; init; } = 12;

    /// <summary>Two latencies are "the same" within max(this fraction, <see cref="AbsoluteToleranceMs"/>).</summary>
    public double RelativeTolerance { get; init; } = 0.06;

    public double AbsoluteToleranceMs { get; init; } = 0.003;

    /// <summary>
    /// Lattice passes: after every table was measured once, each new table's samples are measured again until each
    /// was measured this many times, seconds apart, and the lowest is kept. The machine's speed drifts for tenths of
    /// seconds to seconds at a time (other tenants of the host); the lowest of measurements taken at different
    /// moments is the layer on the machine at its best, consistent across tables and with whole-model measurements,
    /// which keep their best rounds too.
    /// </summary>
    public int Passes { get; init; } = 3;

    /// <summary>How whole models are measured for their calibration.</summary>
    public ModelMeasurement Calibration { get; init; } = new();

    /// <summary>Random width assignments measured besides the dense model to fit the calibration.</summary>
    public int CalibrationSamples { get; init; } = 10;

    /// <summary>Seed of the calibration's width assignments (validation uses other seeds).</summary>
    public int CalibrationSeed { get; init; } = 1000;

    internal void Validate()
    {
        if (Warmup < 0) throw new ArgumentOutOfRangeException(nameof(Warmup), Warmup, "warm-up runs cannot be negative");
        if (Runs < 1) throw new ArgumentOutOfRangeException(nameof(Runs), Runs, "at least one timed run per sample");
        if (GridStep < 1) throw new ArgumentOutOfRangeException(nameof(GridStep), GridStep, "the grid step must be ≥ 1");
        if (MaxInitialPoints < 2) throw new ArgumentOutOfRangeException(nameof(MaxInitialPoints), MaxInitialPoints, "at least the two extremes");
        if (MaxRefinePoints < 0) throw new ArgumentOutOfRangeException(nameof(MaxRefinePoints), MaxRefinePoints, "cannot be negative");
        if (Passes < 1) throw new ArgumentOutOfRangeException(nameof(Passes), Passes, "at least one pass");
        if (CalibrationSamples < 0) throw new ArgumentOutOfRangeException(nameof(CalibrationSamples), CalibrationSamples, "cannot be negative");
        if (!(RelativeTolerance >= 0) || !(AbsoluteToleranceMs >= 0)) throw new ArgumentOutOfRangeException(nameof(RelativeTolerance), "tolerances must be ≥ 0");
        Calibration.Validate();
    }

    internal bool Same(double a, double b) => Math.Abs(a - b) <= Math.Max(AbsoluteToleranceMs, RelativeTolerance * Math.Max(a, b));
}

/// <summary>Where profiling stands: a stage ("layers", "calibration"), what is being done, and progress.</summary>
public sealed record ProfilerProgress(string Stage, string Detail, double Done, double Total);

/// <summary>One measured (or reused) configuration of a profiling run.</summary>
public sealed record ConfigurationResult(string Key, bool Reused, int Samples, IReadOnlyList<int[]> Axes, double Seconds);

/// <summary>What profiling one model did.</summary>
public sealed record ProfileResult(string Model, int Layers, IReadOnlyList<ConfigurationResult> Configurations, ModelCalibration Calibration, double Seconds)
{
    public int Samples => Configurations.Sum(c => c.Samples);
}

/// <summary>
/// Measures what a profile needs for a model: for every configuration the model may run as (<see cref="LayerConfig"/>:
/// each distinct layer, in each kernel variant the engine may pick, and the engine's layout conversions; identical
/// ones are measured once and shared, also with configurations already in the profile) a latency table over the
/// widths the model's channel groups allow; then the whole model for its calibration.
/// </summary>
public sealed class Profiler
{
    private readonly ProfileEngine _engine;
    private readonly int _batch;
    private readonly ProfilerOptions _options;

    public Profiler(ProfileEngine engine, int batch, ProfilerOptions? options = null)
    {
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "the batch must be ≥ 1");
        _batch = batch;
        _options = options ?? new ProfilerOptions();
        _options.Validate();
    }

    /// <summary>A new, empty profile for this engine and batch on this machine.</summary>
    public LatencyProfile NewProfile() => new(_engine.Fingerprint(_batch), Settings, _engine.Deployment);

    private MeasurementSettings Settings => new(_options.Warmup, _options.Runs, _options.Calibration.MinRounds, _options.Calibration.Runs,
        _engine.LayerStatistic, _options.Calibration.Statistic);

    /// <summary>Adds to <paramref name="profile"/> what the model needs and is missing, and measures its calibration.</summary>
    /// <param name="open">Opens a fresh copy of the model (calibration compacts copies at random widths).</param>
    /// <param name="cancellation">Checked before every measurement: a cancelled run throws <see cref="OperationCanceledException"/> between
    /// measurements, leaving <paramref name="profile"/> with the tables finished so far (callers that save keep only whole models).</param>
    public ProfileResult Profile(LatencyProfile profile, Func<ModelGraph> open, IProgress<ProfilerProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(open);
        if (profile.Device.Engine != _engine.Name || profile.Device.Batch != _batch)
        {
            throw new ArgumentException(
                $"the profile holds {profile.Device.Engine} at batch {profile.Device.Batch}; it cannot take {_engine.Name} measurements at batch {_batch}");
        }

        if (profile.Deployment != _engine.Deployment)
        {
            throw new ArgumentException(
                $"the profile was measured for '{profile.Deployment.Describe()}' but {_engine.Name} here runs as '{_engine.Deployment.Describe()}'; start a new profile");
        }

        var clock = Stopwatch.StartNew();
        var log = new SampleLog(_engine, _batch, _options, cancellation);
        using var graph = open();
        var structure = new ModelStructure(graph);
        var needed = NeededRanges(structure, ChannelGroups.Discover(graph), profile.Deployment);
        var results = new List<ConfigurationResult>();
        var done = 0;
        foreach (var (key, (config, neededRanges)) in needed)
        {
            progress?.Report(new ProfilerProgress("layers", key, done, needed.Count));
            var ranges = neededRanges;
            var existing = profile.Layers.GetValueOrDefault(key);
            if (existing is not null && Covers(existing.Table, ranges))
            {
                results.Add(new ConfigurationResult(key, Reused: true, 0, existing.Table.Axes, 0));
            }
            else
            {
                if (existing is not null)
                {
                    ranges = ranges.Select((r, d) => (Math.Min(r.Low, existing.Table.Axes[d][0]), Math.Max(r.High, existing.Table.Axes[d][^1]))).ToArray();
                }

                var started = clock.Elapsed;
                var (table, samples) = MeasureTable(log, config, ranges, profile.Deployment, (detail, fraction) =>
                    progress?.Report(new ProfilerProgress("layers", $"{key} {detail}", done + fraction, needed.Count)));
                profile.SetLayer(config, table);
                results.Add(new ConfigurationResult(key, Reused: false, samples, table.Axes, (clock.Elapsed - started).TotalSeconds));
            }

            done++;
        }

        var fresh = results.Where(r => !r.Reused).Select(r => needed[r.Key].Config).ToList();
        for (var pass = 2; pass <= _options.Passes; pass++)
        {
            for (var i = 0; i < fresh.Count; i++)
            {
                progress?.Report(new ProfilerProgress($"pass {pass}", fresh[i].Key, i, fresh.Count));
                var table = profile.Layers[fresh[i].Key].Table;
                for (var flat = 0; flat < table.Values.Count; flat++) log.Measure(fresh[i], LatticeDims(table, flat));
            }
        }

        // Every sample at the lowest of its measurements.
        foreach (var config in fresh)
        {
            var table = profile.Layers[config.Key].Table;
            profile.SetLayer(config, new LatencyTable(table.Axes, table.Values.Select((_, flat) => log.Best(config, LatticeDims(table, flat))).ToArray()));
        }

        progress?.Report(new ProfilerProgress("calibration", graph.Name, 0, 1));
        var calibration = Calibrate(profile, open, graph, f => progress?.Report(new ProfilerProgress("calibration", graph.Name, f, 1)), cancellation);
        profile.SetCalibration(calibration);
        profile.Touch(_engine.Fingerprint(_batch));
        return new ProfileResult(graph.Name, structure.Units.Count, results, calibration, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Random width assignments a recalibration measures besides the dense, uniformly pruned and narrowest models.</summary>
    public const int RecalibrationSamples = 4;

    /// <summary>
    /// Measures the model's whole-model calibration again now, keeping the profile's tables, and sets it in
    /// <paramref name="profile"/> (in memory: saving is the caller's choice). This VM's host has regimes lasting tens
    /// of minutes in which whole models run up to 40 % faster, and not uniformly across widths; the tables' shape holds,
    /// but a calibration from another regime misses by 7–21 % — refitted at the point of use, predictions are back
    /// within the tables' own error. Measures the profiler's fixed assignments and <see cref="RecalibrationSamples"/>
    /// random ones: the calibration's measurement time (about 15–30 s), not a profile's minutes.
    /// </summary>
    /// <exception cref="InvalidDataException">The profile lacks a layer configuration the model needs (profile the model first).</exception>
    public ModelCalibration Recalibrate(LatencyProfile profile, Func<ModelGraph> open, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(open);
        using var graph = open();
        _ = new LatencyPredictor(profile, ChannelGroups.Discover(graph), calibrated: false); // coverage first, with the message naming the command
        var calibration = Calibrate(profile, open, graph, f => progress?.Report(f), cancellation, RecalibrationSamples);
        profile.SetCalibration(calibration);
        return calibration;
    }

    /// <summary>
    /// Fits the model's stored calibration again against the profile's tables as they are now, so the file says what
    /// predictors will use: profiling a later model may have re-measured a table this one shares (predictors refit on
    /// load as well; the stored fit is also what uncalibrated models average).
    /// </summary>
    public static void RefitCalibration(LatencyProfile profile, ModelGraph graph)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(graph);
        var groups = ChannelGroups.Discover(graph);
        if (profile.FindCalibration(graph.Name, Topology(graph)) is { } calibration && calibration.CanRefit(groups.FullWidths()))
        {
            profile.SetCalibration(calibration.Refit(new LatencyPredictor(profile, groups, calibrated: false).RawSum));
        }
    }

    private static bool Covers(LatencyTable table, (int Low, int High)[] ranges) =>
        ranges.Select((r, d) => table.Axes[d][0] <= r.Low && table.Axes[d][^1] >= r.High).All(ok => ok);

    /// <summary>
    /// The calibration: the model at <see cref="CalibrationAssignments"/> is compacted and measured whole; the scale,
    /// offset and per-kernel term that best map the layers' sum onto the measurements (least squares,
    /// <see cref="ModelCalibration.Fit"/>) are kept.
    /// </summary>
    private ModelCalibration Calibrate(LatencyProfile profile, Func<ModelGraph> open, ModelGraph graph, Action<double> progress, CancellationToken cancellation,
        int? randomSamples = null)
    {
        var assignments = CalibrationAssignments(ChannelGroups.Discover(graph), randomSamples ?? _options.CalibrationSamples, _options.CalibrationSeed);
        var (measured, probeMs, _) = PredictionValidator.Measure(open, graph, _engine, _batch, assignments.Select(a => a.Widths).ToList(), _options.Calibration, new Progress(progress), cancellation);
        return FitCalibration(profile, graph, assignments, measured, probeMs);
    }

    /// <summary>
    /// The width assignments a calibration measures: the dense model, uniformly pruned ones, every group at its
    /// narrowest and <paramref name="randomSamples"/> random assignments from <paramref name="seed"/>.
    /// </summary>
    public static List<(string Label, int[] Widths)> CalibrationAssignments(ChannelGroups groups, int randomSamples, int seed)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var assignments = new List<(string Label, int[] Widths)> { ("dense", groups.FullWidths()) };
        // Uniformly pruned models spread the layers' sums, so scale and offset are told apart. The narrow ones (90 %
        // removed, and every group at its narrowest) are where tight budgets land: the tables, timed one kernel at a
        // time, overstate narrow layers there (ResNet-20 at 28×28, batch 8: the fit without them predicted 0.41 ms
        // for widths measured at 0.59 ms), so the fit must see that region rather than extrapolate into it.
        foreach (var removed in new[] { 0.25, 0.5, 0.75, 0.9 })
        {
            assignments.Add(($"uniform {removed:P0} removed", groups.Groups.Select(g => g.Prunable ? UniformPruning.KeptWidth(g.Channels, removed) : g.Channels).ToArray()));
        }

        assignments.Add(("narrowest", groups.Groups.Select(g => g.Prunable ? 1 : g.Channels).ToArray()));
        assignments.AddRange(PredictionValidator.RandomWidths(groups, randomSamples, seed).Select((w, i) => ($"calibration {i + 1}", w)));
        return assignments;
    }

    /// <summary>The calibration fitted on whole-model measurements of <paramref name="graph"/> at <paramref name="assignments"/> against the profile's tables.</summary>
    public static ModelCalibration FitCalibration(LatencyProfile profile, ModelGraph graph, IReadOnlyList<(string Label, int[] Widths)> assignments, IReadOnlyList<double> measuredMs,
        double? probeMs)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(graph);
        if (assignments.Count != measuredMs.Count) throw new ArgumentException($"{assignments.Count} assignments but {measuredMs.Count} measurements");
        var raw = new LatencyPredictor(profile, ChannelGroups.Discover(graph), calibrated: false);
        var points = assignments.Select((a, i) =>
        {
            var (layersMs, kernels) = raw.RawSum(a.Widths);
            return new CalibrationPoint(a.Label, measuredMs[i], layersMs, kernels, a.Widths);
        }).ToList();
        var (scale, offset, perKernel) = ModelCalibration.Fit(points);
        return new ModelCalibration(graph.Name, Topology(graph), raw.Units.Count, scale, offset, perKernel, points, probeMs);
    }

    /// <summary>
    /// Per configuration the model may run as (in graph order), the width range of each axis: from every prunable group
    /// at one channel to every group at full width (widths are linear in group widths, so these are the extremes),
    /// narrowed to the widths the configuration's kernel variant runs at.
    /// </summary>
    internal static Dictionary<string, (LayerConfig Config, (int Low, int High)[] Ranges)> NeededRanges(ModelStructure structure, ChannelGroups groups, Deployment deployment)
    {
        var full = groups.FullWidths();
        var narrowest = groups.Groups.Select(g => g.Prunable ? 1 : g.Channels).ToArray();
        var (wide, narrow) = (groups.PredictShapes(full), groups.PredictShapes(narrowest));
        var needed = new Dictionary<string, (LayerConfig, (int, int)[])>(StringComparer.Ordinal);
        foreach (var (config, values) in deployment.Candidates(structure))
        {
            var ranges = new (int Low, int High)[values.Count];
            var empty = false;
            for (var d = 0; d < values.Count && !empty; d++)
            {
                var (low, high) = ((int)narrow.Value(values[d])[1], (int)wide.Value(values[d])[1]);
                var axis = d;
                bool Accepts(int w) => deployment.Accepts(config, axis, w);
                var first = AxisSampler.Nearest(low, low, high, Accepts);
                var last = AxisSampler.Nearest(high, low, high, Accepts);
                if (first is null || last is null) empty = true;
                else ranges[d] = (first.Value, last.Value);
            }

            if (empty) continue;
            var key = config.Key;
            needed[key] = needed.TryGetValue(key, out var entry)
                ? (entry.Item1, entry.Item2.Select((r, d) => (Math.Min(r.Item1, ranges[d].Low), Math.Max(r.Item2, ranges[d].High))).ToArray())
                : (config, ranges);
        }

        return needed;
    }

    /// <summary>Samples the configuration's latency surface: probe each axis (the other at its widest), refine, simplify, then fill the lattice.</summary>
    private (LatencyTable Table, int Samples) MeasureTable(SampleLog log, LayerConfig config, (int Low, int High)[] ranges, Deployment deployment, Action<string, double> progress)
    {
        var measured = new HashSet<(int, int)>();
        double Measure(int[] dims)
        {
            var key = (dims[0], dims.Length > 1 ? dims[1] : 0);
            return measured.Add(key) ? log.Measure(config, dims) : log.Best(config, dims);
        }

        var axes = new int[ranges.Length][];
        for (var d = 0; d < ranges.Length; d++)
        {
            progress($"probing {config.AxisNames[d]}", 0.1 + 0.3 * d);
            var (low, high) = ranges[d];
            var axis = d;
            bool Accepts(int w) => deployment.Accepts(config, axis, w);
            var initial = AxisSampler.Initial(low, high, _options.GridStep, _options.MaxInitialPoints, Accepts);
            int[] At(int w)
            {
                // Probe along this axis with the other axes at their widest, where differences are largest.
                var dims = ranges.Select(r => r.High).ToArray();
                dims[axis] = w;
                return dims;
            }

            axes[d] = _options.Refine && initial.Length > 1
                ? AxisSampler.Simplify(AxisSampler.Refine(initial, w => Measure(At(w)), _options.Same, _options.MaxRefinePoints, Accepts), _options.Same)
                : initial;
        }

        var values = Lattice(axes, Measure, dims => log.Measure(config, dims), f => progress("lattice", 0.7 + 0.3 * f));
        return (new LatencyTable(axes, values), measured.Count);
    }

    /// <summary>Every lattice sample; a sample slower than a wider neighbour beyond the tolerance is measured again (contention only adds time).</summary>
    private double[] Lattice(int[][] axes, Func<int[], double> measure, Func<int[], double> remeasure, Action<double> progress)
    {
        var shape = axes.Select(a => a.Length).ToArray();
        var count = shape.Aggregate(1, (n, s) => n * s);
        var values = new double[count];
        int[] Dims(int flat) => axes.Length == 1 ? [axes[0][flat]] : [axes[0][flat / shape[1]], axes[1][flat % shape[1]]];
        for (var i = 0; i < count; i++)
        {
            values[i] = measure(Dims(i));
            progress((i + 1.0) / count);
        }

        var strides = axes.Length == 1 ? new[] { 1 } : [shape[1], 1];
        for (var i = 0; i < count; i++)
        {
            for (var d = 0; d < axes.Length; d++)
            {
                var position = axes.Length == 1 ? i : d == 0 ? i / shape[1] : i % shape[1];
                if (position + 1 >= shape[d]) continue;
                var wider = i + strides[d];
                if (values[i] <= values[wider] || _options.Same(values[i], values[wider])) continue;
                values[i] = Math.Min(values[i], remeasure(Dims(i)));
            }
        }

        return values;
    }

    private static int[] LatticeDims(LatencyTable table, int flat) =>
        table.Rank == 1 ? [table.Axes[0][flat]] : [table.Axes[0][flat / table.Axes[1].Length], table.Axes[1][flat % table.Axes[1].Length]];

    /// <summary>A stable identity of a graph's structure: node names and ops and the input's spatial size (not widths).</summary>
    public static string Topology(ModelGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var text = new StringBuilder(string.Join("x", graph.InputShape.Skip(2)));
        foreach (var node in graph.Nodes) text.Append('\n').Append(node.Name).Append(' ').Append(node.Op);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    /// <summary>Every measurement of a profiling run; a sample's value is the lowest of its measurements.</summary>
    private sealed class SampleLog(ProfileEngine engine, int batch, ProfilerOptions options, CancellationToken cancellation)
    {
        private readonly Dictionary<(string, int, int), double> _best = [];

        /// <summary>Measures once more; returns the sample's best so far.</summary>
        public double Measure(LayerConfig config, int[] dims)
        {
            cancellation.ThrowIfCancellationRequested();
            var ms = engine.TimeLayer(config, dims, batch, options.Warmup, options.Runs);
            var key = Key(config, dims);
            _best[key] = _best.TryGetValue(key, out var best) ? Math.Min(best, ms) : ms;
            return _best[key];
        }

        public double Best(LayerConfig config, int[] dims) => _best[Key(config, dims)];

        private static (string, int, int) Key(LayerConfig config, int[] dims) => (config.Key, dims[0], dims.Length > 1 ? dims[1] : 0);
    }

    private sealed class Progress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
