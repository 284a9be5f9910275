using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Toolchain.Graph;
using Toolchain.Pruning;
using Toolchain.Runtime;

namespace Toolchain.Profiling;

/// <summary>How densely and how long layers are measured.</summary>
public sealed record ProfilerOptions
{
    /// <summary>Untimed runs of each single-layer model before the timed ones.</summary>
    public int Warmup { get; init; } = 10;

    /// <summary>Timed runs per sample.</summary>
    public int Runs { get; init; } = 40;

    /// <summary>The initial grid: both extremes and multiples of this.</summary>
    public int GridStep { get; init; } = 8;

    /// <summary>At most this many initial samples per axis (the grid step grows in multiples of <see cref="GridStep"/>).</summary>
    public int MaxInitialPoints { get; init; } = 17;

    /// <summary>Bisect where the curve steps (see <see cref="AxisSampler.Refine"/>).</summary>
    public bool Refine { get; init; } = true;

    /// <summary>At most this many samples added per axis by refinement.</summary>
    public int MaxRefinePoints { get; init; } = 24;

    /// <summary>Two latencies are "the same" within max(this fraction, <see cref="AbsoluteToleranceMs"/>).</summary>
    public double RelativeTolerance { get; init; } = 0.03;

    public double AbsoluteToleranceMs { get; init; } = 0.0015;

    /// <summary>How the whole model is measured for its calibration.</summary>
    public ModelMeasurement Calibration { get; init; } = new();

    internal void Validate()
    {
        if (Warmup < 0) throw new ArgumentOutOfRangeException(nameof(Warmup), Warmup, "warm-up runs cannot be negative");
        if (Runs < 1) throw new ArgumentOutOfRangeException(nameof(Runs), Runs, "at least one timed run per sample");
        if (GridStep < 1) throw new ArgumentOutOfRangeException(nameof(GridStep), GridStep, "the grid step must be ≥ 1");
        if (MaxInitialPoints < 2) throw new ArgumentOutOfRangeException(nameof(MaxInitialPoints), MaxInitialPoints, "at least the two extremes");
        if (MaxRefinePoints < 0) throw new ArgumentOutOfRangeException(nameof(MaxRefinePoints), MaxRefinePoints, "cannot be negative");
        if (!(RelativeTolerance >= 0) || !(AbsoluteToleranceMs >= 0)) throw new ArgumentOutOfRangeException(nameof(RelativeTolerance), "tolerances must be ≥ 0");
        Calibration.Validate();
    }

    internal bool Same(double a, double b) => Math.Abs(a - b) <= Math.Max(AbsoluteToleranceMs, RelativeTolerance * Math.Max(a, b));
}

/// <summary>Where profiling stands: a stage ("layers", "calibration"), what is being done, and progress.</summary>
public sealed record ProfilerProgress(string Stage, string Detail, double Done, double Total);

/// <summary>One measured (or reused) configuration of a profiling run.</summary>
public sealed record ConfigurationResult(string Key, int Layers, bool Reused, int Samples, IReadOnlyList<int[]> Axes, double Seconds);

/// <summary>What profiling one model did.</summary>
public sealed record ProfileResult(string Model, int Layers, IReadOnlyList<ConfigurationResult> Configurations, ModelCalibration Calibration, double Seconds)
{
    public int Samples => Configurations.Sum(c => c.Samples);
}

/// <summary>
/// Measures what a profile needs for a model: for every distinct layer configuration (<see cref="LayerConfig"/>;
/// identical ones are measured once and shared, also with configurations already in the profile) a latency table
/// over the widths the model's channel groups allow, then the whole model once for its calibration.
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
    public LatencyProfile NewProfile() => new(_engine.Fingerprint(_batch), Settings);

    private MeasurementSettings Settings => new(_options.Warmup, _options.Runs, _options.Calibration.Rounds, _options.Calibration.Runs,
        _engine.LayerStatistic, ModelMeasurement.Statistic);

    /// <summary>Adds to <paramref name="profile"/> what <paramref name="graph"/> needs and is missing, and its calibration.</summary>
    public ProfileResult Profile(LatencyProfile profile, ModelGraph graph, IProgress<ProfilerProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(graph);
        if (profile.Device.Engine != _engine.Name || profile.Device.Batch != _batch)
        {
            throw new ArgumentException(
                $"the profile holds {profile.Device.Engine} at batch {profile.Device.Batch}; it cannot take {_engine.Name} measurements at batch {_batch}");
        }

        var clock = Stopwatch.StartNew();
        var units = LayerUnits.Decompose(graph);
        var needed = NeededRanges(graph, units);
        var results = new List<ConfigurationResult>();
        var done = 0;
        foreach (var (key, (config, neededRanges, count)) in needed)
        {
            var ranges = neededRanges;
            progress?.Report(new ProfilerProgress("layers", key, done, needed.Count));
            var existing = profile.Layers.GetValueOrDefault(key);
            if (existing is not null && ranges.Select((r, d) => existing.Table.Axes[d][0] <= r.Low && existing.Table.Axes[d][^1] >= r.High).All(ok => ok))
            {
                results.Add(new ConfigurationResult(key, count, Reused: true, 0, existing.Table.Axes, 0));
            }
            else
            {
                if (existing is not null)
                {
                    ranges = ranges.Select((r, d) => (Math.Min(r.Low, existing.Table.Axes[d][0]), Math.Max(r.High, existing.Table.Axes[d][^1]))).ToArray();
                }

                var started = clock.Elapsed;
                var (table, samples) = MeasureTable(config, ranges, (detail, fraction) =>
                    progress?.Report(new ProfilerProgress("layers", $"{key} {detail}", done + fraction, needed.Count)));
                profile.SetLayer(config, table);
                results.Add(new ConfigurationResult(key, count, Reused: false, samples, table.Axes, (clock.Elapsed - started).TotalSeconds));
            }

            done++;
        }

        progress?.Report(new ProfilerProgress("calibration", graph.Name, 0, 1));
        var calibration = Calibrate(profile, graph, units, f => progress?.Report(new ProfilerProgress("calibration", graph.Name, f, 1)));
        profile.SetCalibration(calibration);
        profile.Touch(_engine.Fingerprint(_batch));
        return new ProfileResult(graph.Name, units.Count, results, calibration, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The whole model's latency against the sum of its layers at full width.</summary>
    private ModelCalibration Calibrate(LatencyProfile profile, ModelGraph graph, IReadOnlyList<LayerUnit> units, Action<double> progress)
    {
        var layersMs = units.Sum(u => profile.Layers[u.Config.Key].Table.Interpolate(
            u.Dims(graph.ShapeOf, n => graph.GetTensor(n).Shape).Select(d => (double)d).ToArray()));
        var shape = graph.InputShape;
        shape[0] = _batch;
        double measured;
        using (var engine = _engine.Deploy(graph))
        {
            measured = ModelLatency.Measure([engine], [ProfileEngine.RandomInput(shape)], _options.Calibration, new Progress(progress))[0];
        }

        return new ModelCalibration(graph.Name, Topology(graph), units.Count, measured, layersMs);
    }

    /// <summary>
    /// Per configuration (in graph order), the width range of each axis over its layers: from every prunable group at
    /// one channel to every group at full width (widths are linear in group widths, so these are the extremes).
    /// </summary>
    private static Dictionary<string, (LayerConfig Config, (int Low, int High)[] Ranges, int Layers)> NeededRanges(ModelGraph graph, IReadOnlyList<LayerUnit> units)
    {
        var groups = ChannelGroups.Discover(graph);
        var full = groups.FullWidths();
        var narrowest = groups.Groups.Select(g => g.Prunable ? 1 : g.Channels).ToArray();
        var (wide, narrow) = (groups.PredictShapes(full), groups.PredictShapes(narrowest));
        var needed = new Dictionary<string, (LayerConfig, (int, int)[], int)>(StringComparer.Ordinal);
        foreach (var unit in units)
        {
            var high = unit.Dims(wide.Value, wide.Tensor);
            var low = unit.Dims(narrow.Value, narrow.Tensor);
            var key = unit.Config.Key;
            if (needed.TryGetValue(key, out var entry))
            {
                var merged = entry.Item2.Select((r, d) => (Math.Min(r.Item1, low[d]), Math.Max(r.Item2, high[d]))).ToArray();
                needed[key] = (entry.Item1, merged, entry.Item3 + 1);
            }
            else
            {
                needed[key] = (unit.Config, low.Select((l, d) => (l, high[d])).ToArray(), 1);
            }
        }

        return needed;
    }

    /// <summary>Samples the configuration's latency surface: probe each axis (the other at its widest), refine, simplify, then fill the lattice.</summary>
    private (LatencyTable Table, int Samples) MeasureTable(LayerConfig config, (int Low, int High)[] ranges, Action<string, double> progress)
    {
        var cache = new Dictionary<(int, int), double>();
        double Measure(int[] dims)
        {
            var key = (dims[0], dims.Length > 1 ? dims[1] : 0);
            if (!cache.TryGetValue(key, out var ms))
            {
                ms = _engine.TimeLayer(config, dims, _batch, _options.Warmup, _options.Runs);
                cache[key] = ms;
            }

            return ms;
        }

        var axes = new int[ranges.Length][];
        for (var d = 0; d < ranges.Length; d++)
        {
            progress($"probing {config.AxisNames[d]}", 0.1 + 0.3 * d);
            var (low, high) = ranges[d];
            var initial = AxisSampler.Initial(low, high, _options.GridStep, _options.MaxInitialPoints);
            var axis = d;
            int[] At(int w)
            {
                // Probe along this axis with the other axes at their widest, where differences are largest.
                var dims = ranges.Select(r => r.High).ToArray();
                dims[axis] = w;
                return dims;
            }

            axes[d] = _options.Refine && initial.Length > 1
                ? AxisSampler.Simplify(AxisSampler.Refine(initial, w => Measure(At(w)), _options.Same, _options.MaxRefinePoints), _options.Same)
                : initial;
        }

        var values = Lattice(axes, Measure, dims => _engine.TimeLayer(config, dims, _batch, _options.Warmup, _options.Runs), f => progress("lattice", 0.7 + 0.3 * f));
        return (new LatencyTable(axes, values), cache.Count);
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

    /// <summary>A stable identity of a graph's structure: node names and ops and the input's spatial size (not widths).</summary>
    public static string Topology(ModelGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var text = new StringBuilder(string.Join("x", graph.InputShape.Skip(2)));
        foreach (var node in graph.Nodes) text.Append('\n').Append(node.Name).Append(' ').Append(node.Op);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    private sealed class Progress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
