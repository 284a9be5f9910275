using Toolchain.Graph;
using Toolchain.Pruning;

namespace Toolchain.Profiling;

/// <summary>
/// One layer's predicted latency at a width assignment: the kernel variant it runs as and what is charged to it
/// (<paramref name="Ms"/>), of which <paramref name="ConversionMs"/> are the layout conversions of values it produces.
/// </summary>
public sealed record LayerPrediction(string Name, string Configuration, int[] Dims, double Ms, double ConversionMs = 0)
{
    /// <summary>The layer's own kernels without the layout conversions charged to it: what the engine runs under the layer's nodes' names.</summary>
    public double KernelMs => Ms - ConversionMs;
}

/// <summary>A model's predicted latency: its layers (each with the layout conversions and unfused ops it causes), the calibration offset and the total (ms).</summary>
public sealed record LatencyPrediction(IReadOnlyList<LayerPrediction> Layers, double CalibrationMs, double TotalMs, int Kernels);

/// <summary>Where the calibration of a prediction comes from.</summary>
public enum CalibrationSource
{
    /// <summary>Measured on this model (by name and topology).</summary>
    Measured,

    /// <summary>Not measured for this model: the profile's calibrated models' mean offset per layer and mean per-kernel term.</summary>
    AveragePerLayer,

    /// <summary>The profile has no calibration at all: the layers' sum only.</summary>
    None,
}

/// <summary>
/// Predicts a model's latency at any widths from a profile: latency(widths) = Σ the interpolated latency of every
/// kernel the engine runs at those widths (the profile's <see cref="Deployment"/> decides which: kernel variants,
/// layout conversions, unfused residual Adds) − per-kernel term · kernels + offset (the model's calibration).
/// Channel counts are linear in the group widths and the tables piecewise linear, so within one set of kernel
/// choices the prediction is piecewise linear in the widths with partial derivatives everywhere (<see cref="Evaluate"/>,
/// for methods that learn widths); <see cref="CostModel"/> offers it to every pruning method as an <see cref="ICostModel"/>.
/// </summary>
public sealed class LatencyPredictor
{
    private readonly ModelStructure _structure;
    private readonly Dictionary<string, LatencyTable> _tables;
    private readonly int[] _full;

    // channels(v) = base + Σ_g slope · (w_g − full_g): exact, because every shape is linear in the group widths.
    private readonly Dictionary<string, (double Base, (int Group, double Slope)[] Slopes)> _channels;

    /// <exception cref="InvalidDataException">A configuration the model may run as is missing, or its table does not cover the widths the model needs.</exception>
    public LatencyPredictor(LatencyProfile profile, ChannelGroups groups) : this(profile, groups, calibrated: true)
    {
    }

    internal LatencyPredictor(LatencyProfile profile, ChannelGroups groups, bool calibrated)
    {
        ArgumentNullException.ThrowIfNull(profile);
        Groups = groups ?? throw new ArgumentNullException(nameof(groups));
        Profile = profile;
        var graph = groups.Graph;
        _structure = new ModelStructure(graph);
        _full = groups.FullWidths();
        CheckCoverage(profile, groups);
        _tables = profile.Layers.ToDictionary(kv => kv.Key, kv => kv.Value.Table, StringComparer.Ordinal);
        _channels = LinearChannels(groups);
        OutputNode = graph.Producer(graph.OutputName)?.Name ?? graph.Nodes[^1].Name;
        (Scale, OffsetMs, PerKernelMs, CalibrationSource, CalibrationNote, ProbeAtCalibrationMs) = calibrated
            ? ChooseCalibration()
            : (1, 0, 0, CalibrationSource.None, "uncalibrated", null);
    }

    public ChannelGroups Groups { get; }

    public LatencyProfile Profile { get; }

    public IReadOnlyList<LayerUnit> Units => _structure.Units;

    /// <summary>What the kernels' table latencies are multiplied by.</summary>
    public double Scale { get; }

    /// <summary>The constant added to the kernels' sum (ms).</summary>
    public double OffsetMs { get; }

    /// <summary>What timing a kernel alone added to it (ms), taken off every kernel.</summary>
    public double PerKernelMs { get; }

    public CalibrationSource CalibrationSource { get; }

    /// <summary>
    /// The <see cref="SpeedProbe"/>'s latency (ms) while the calibration was measured — this model's own, else the
    /// median over the profile's calibrations; null when the profile predates the probe or has no calibration.
    /// </summary>
    public double? ProbeAtCalibrationMs { get; }

    /// <summary>Where the calibration comes from, for people.</summary>
    public string CalibrationNote { get; }

    /// <summary>The node the calibration offset is charged to in <see cref="ICostModel.PerNode"/> (the one writing the graph output).</summary>
    public string OutputNode { get; }

    /// <summary>The latency cost model for pruning methods (name "latency", unit "ms").</summary>
    public ICostModel CostModel => new LatencyCost(this);

    /// <summary>Predicted latency at integer group widths, per layer.</summary>
    public LatencyPrediction Predict(IReadOnlyList<int> widths)
    {
        CheckWidths(Groups, widths);
        var real = widths.Select(w => (double)w).ToArray();
        var items = Items(real, null, out var kernels);
        var layers = Units.Select(u =>
        {
            var own = items.Where(i => i.Item.Owner == u.Name).ToList();
            var main = own.FirstOrDefault(i => i.Item.Config.Reorder is null).Item?.Config.Key ?? u.Config.Key;
            return new LayerPrediction(u.Name, main, u.AxisValues.Select(v => (int)Math.Round(Channels(v, real))).ToArray(), own.Sum(i => i.Ms),
                own.Where(i => i.Item.Config.Reorder is not null).Sum(i => i.Ms));
        }).ToList();
        var total = items.Sum(i => i.Ms) + OffsetMs;
        return new LatencyPrediction(layers, OffsetMs, total, kernels);
    }

    /// <summary>Predicted total latency (ms) at integer group widths.</summary>
    public double Total(IReadOnlyList<int> widths) => Predict(widths).TotalMs;

    /// <summary>
    /// The differentiable form: latency (ms) at real-valued group widths, and ∂latency/∂width per group written to
    /// <paramref name="gradient"/> (length = group count; 0 for unprunable groups). The engine's discrete choices
    /// (kernel variants, conversions) are those of the rounded widths and are held fixed; within them the slope at a
    /// sampled width is that of the segment below it (what removing channels saves).
    /// </summary>
    public double Evaluate(IReadOnlyList<double> widths, double[]? gradient = null)
    {
        ArgumentNullException.ThrowIfNull(widths);
        if (widths.Count != Groups.Count) throw new ArgumentException($"graph '{Groups.Graph.Name}' has {Groups.Count} channel groups; got {widths.Count} widths", nameof(widths));
        foreach (var g in Groups.Groups.Where(g => g.Prunable))
        {
            var w = widths[g.Id];
            if (!(w >= 1 && w <= g.Channels)) throw new ArgumentOutOfRangeException(nameof(widths), w, $"group {g.Id} '{g.Name}' has {g.Channels} channels; its width must lie in [1, {g.Channels}]");
        }

        if (gradient is not null && gradient.Length != Groups.Count) throw new ArgumentException($"the gradient needs {Groups.Count} entries", nameof(gradient));
        var items = Items(widths, gradient, out _);
        return items.Sum(i => i.Ms) + OffsetMs;
    }

    /// <summary>The kernels' latencies at <paramref name="widths"/> without calibration, and how many kernels there are.</summary>
    public (double LayersMs, int Kernels) RawSum(IReadOnlyList<int> widths)
    {
        var items = Items(widths.Select(w => (double)w).ToArray(), null, out var kernels, calibrated: false);
        return (items.Sum(i => i.Ms), kernels);
    }

    /// <summary>Per node, what the latency model charges it at <paramref name="widths"/>: its layers' kernels, and the offset on <see cref="OutputNode"/>.</summary>
    internal IReadOnlyDictionary<string, double> PerNode(IReadOnlyList<int> widths)
    {
        CheckWidths(Groups, widths);
        var costs = Groups.Graph.Nodes.ToDictionary(n => n.Name, _ => 0.0, StringComparer.Ordinal);
        foreach (var (item, ms) in Items(widths.Select(w => (double)w).ToArray(), null, out _))
        {
            var owner = costs.ContainsKey(item.Owner) ? item.Owner : OutputNode;
            costs[owner] += ms;
        }

        costs[OutputNode] += OffsetMs;
        return costs;
    }

    /// <summary>
    /// Every kernel the engine runs at these widths with its latency — corrected by the calibration's scale and
    /// per-kernel term unless <paramref name="calibrated"/> is false; accumulates the gradient when given.
    /// </summary>
    private List<(CostItem Item, double Ms)> Items(IReadOnlyList<double> widths, double[]? gradient, out int kernels, bool calibrated = true)
    {
        var (scale, perKernel) = calibrated ? (Scale, PerKernelMs) : (1, 0);
        if (gradient is not null) Array.Clear(gradient);
        var plan = Profile.Deployment.Plan(_structure, v => Channels(v, widths));
        var result = new List<(CostItem, double)>(plan.Count);
        var axisGradient = new double[2];
        kernels = 0;
        foreach (var item in plan)
        {
            if (!_tables.TryGetValue(item.Config.Key, out var table))
            {
                throw new InvalidDataException($"the latency profile has no table for '{item.Config.Key}' (layer '{item.Owner}'); extend it with 'toolchain profile {Groups.Graph.Name}'");
            }

            var dims = item.AxisValues.Select(v => Channels(v, widths)).ToArray();
            var ms = scale * table.Interpolate(dims, gradient is null ? null : axisGradient) - perKernel * item.Kernels;
            kernels += item.Kernels;
            result.Add((item, ms));
            if (gradient is null) continue;
            for (var a = 0; a < dims.Length; a++)
            {
                foreach (var (g, slope) in _channels[item.AxisValues[a]].Slopes) gradient[g] += scale * axisGradient[a] * slope;
            }
        }

        return result;
    }

    /// <summary>One width per group, within 1…channels, unprunable groups at full width.</summary>
    internal static void CheckWidths(ChannelGroups groups, IReadOnlyList<int> widths)
    {
        ArgumentNullException.ThrowIfNull(widths);
        if (widths.Count != groups.Count) throw new ArgumentException($"graph '{groups.Graph.Name}' has {groups.Count} channel groups; got {widths.Count} widths", nameof(widths));
        foreach (var g in groups.Groups)
        {
            var w = widths[g.Id];
            if (w < 1 || w > g.Channels) throw new ArgumentOutOfRangeException(nameof(widths), w, $"group {g.Id} '{g.Name}' has {g.Channels} channels; its width must be 1…{g.Channels}");
            if (!g.Prunable && w != g.Channels) throw new ArgumentException($"group {g.Id} '{g.Name}' cannot be pruned ({g.Reason}); its width must stay {g.Channels}, got {w}", nameof(widths));
        }
    }

    private double Channels(string value, IReadOnlyList<double> widths)
    {
        var (c, slopes) = _channels[value];
        foreach (var (g, slope) in slopes) c += slope * (widths[g] - _full[g]);
        return c;
    }

    /// <summary>Every value's channel count at full width and its change per channel of each prunable group.</summary>
    private static Dictionary<string, (double, (int, double)[])> LinearChannels(ChannelGroups groups)
    {
        var full = groups.PredictShapes(groups.FullWidths());
        var values = full.Values.Where(kv => kv.Value.Length >= 2).Select(kv => kv.Key).ToList();
        var slopes = values.ToDictionary(v => v, _ => new List<(int, double)>(), StringComparer.Ordinal);
        foreach (var group in groups.Groups.Where(g => g.Prunable))
        {
            var narrower = groups.FullWidths();
            narrower[group.Id]--;
            var shapes = groups.PredictShapes(narrower);
            foreach (var v in values)
            {
                var slope = full.Value(v)[1] - shapes.Value(v)[1];
                if (slope != 0) slopes[v].Add((group.Id, slope));
            }
        }

        return values.ToDictionary(v => v, v => ((double)full.Value(v)[1], slopes[v].ToArray()), StringComparer.Ordinal);
    }

    /// <summary>Every configuration the model may run as must be in the profile, covering the widths it may run at.</summary>
    private void CheckCoverage(LatencyProfile profile, ChannelGroups groups)
    {
        var missing = new List<string>();
        foreach (var (key, (config, ranges)) in Profiler.NeededRanges(_structure, groups, profile.Deployment))
        {
            if (!profile.Layers.TryGetValue(key, out var layer))
            {
                missing.Add($"configuration '{key}' is not in the profile");
                continue;
            }

            var axes = layer.Table.Axes;
            if (ranges.Select((r, d) => axes[d][0] <= r.Low && axes[d][^1] >= r.High).All(ok => ok)) continue;
            var have = string.Join(", ", config.AxisNames.Select((n, d) => $"{n} {axes[d][0]}…{axes[d][^1]}"));
            var need = string.Join(", ", config.AxisNames.Select((n, d) => $"{n} {ranges[d].Low}…{ranges[d].High}"));
            missing.Add($"configuration '{key}' covers {have}; the model needs {need}");
        }

        if (missing.Count > 0)
        {
            var graph = groups.Graph;
            var file = profile.SourcePath is { } path ? $" '{path}'" : "";
            throw new InvalidDataException(
                $"the latency profile{file} lacks what model '{graph.Name}' needs ({missing.Count} configuration(s)):\n  " + string.Join("\n  ", missing) +
                $"\nExtend the profile by measuring the model on this device: toolchain profile {graph.Name} --out {profile.SourcePath ?? "PROFILE"}");
        }
    }

    /// <summary>
    /// Scale, offset, per-kernel term, source, note and the speed probe at calibration: the model's own calibration,
    /// fitted again from its points against the tables as they are now (a dozen raw sums) so that a table re-measured
    /// after this model was calibrated cannot leave it describing the old one; else the profile's average.
    /// Called from the constructor once the tables and channel maps are set (<see cref="RawSum"/> needs only those).
    /// </summary>
    private (double, double, double, CalibrationSource, string, double?) ChooseCalibration()
    {
        var graph = Groups.Graph;
        var layers = _structure.Units.Count;
        if (Profile.FindCalibration(graph.Name, Profiler.Topology(graph)) is { } own)
        {
            var refitted = own.CanRefit(_full);
            if (refitted) own = own.Refit(RawSum);
            return (own.Scale, own.OffsetMs, own.PerKernelMs, CalibrationSource.Measured,
                $"measured on '{graph.Name}'{(refitted ? "" : " (fit as stored)")}: scale {own.Scale:F3}, offset {own.OffsetMs:F3} ms, {own.PerKernelMs * 1000:F2} µs per kernel",
                own.ProbeMs);
        }

        var calibrated = Profile.Calibrations.Where(c => c.Layers > 0).ToList();
        if (calibrated.Count == 0)
        {
            return (1, 0, 0, CalibrationSource.None, $"the profile has no whole-model calibration; the prediction is the layers' sum only (run 'toolchain profile {graph.Name}')", null);
        }

        var scale = calibrated.Average(c => c.Scale);
        var perLayer = calibrated.Average(c => c.OffsetMs / c.Layers);
        var perKernel = calibrated.Average(c => c.PerKernelMs);
        return (scale, perLayer * layers, perKernel, CalibrationSource.AveragePerLayer,
            $"'{graph.Name}' was not calibrated; using the mean of {calibrated.Count} calibrated model(s): scale {scale:F3}, " +
            $"{perLayer * 1000:F2} µs offset per layer × {layers} layers, {perKernel * 1000:F2} µs per kernel (run 'toolchain profile {graph.Name}' to measure it)",
            RobustStatistics.MedianOrNull(calibrated.Select(c => c.ProbeMs).OfType<double>()));
    }
}

/// <summary>
/// Latency as a pruning cost (name "latency", unit "ms"): <see cref="Total"/> is the prediction; <see cref="Marginal"/>
/// the exact drop of the prediction when a group loses one channel — which, because the engine's kernel choices
/// depend on neighbouring widths, can involve layers outside the group; <see cref="PerNode"/> charges each layer's
/// kernels to its head node and the offset to the node writing the output.
/// </summary>
public sealed class LatencyCost(LatencyPredictor predictor) : ICostModel
{
    private readonly LatencyPredictor _predictor = predictor ?? throw new ArgumentNullException(nameof(predictor));

    /// <summary>The predictor behind it: its profile and calibration.</summary>
    public LatencyPredictor Predictor => _predictor;

    public string Name => "latency";

    public string Unit => "ms";

    public double Total(IReadOnlyList<int> widths) => _predictor.Total(widths);

    public IReadOnlyDictionary<string, double> PerNode(IReadOnlyList<int> widths) => _predictor.PerNode(widths);

    public double Marginal(IReadOnlyList<int> widths, int groupId)
    {
        var group = _predictor.Groups[groupId];
        LatencyPredictor.CheckWidths(_predictor.Groups, widths);
        if (widths[groupId] <= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(widths), $"group {group.Id} '{group.Name}' is at width {widths[groupId]}; no channel is left to remove");
        }

        var narrower = widths.ToArray();
        narrower[groupId]--;
        return Total(widths) - Total(narrower);
    }
}
