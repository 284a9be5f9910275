using Toolchain.Graph;
using Toolchain.Pruning;

namespace Toolchain.Profiling;

/// <summary>One layer's predicted latency at a width assignment.</summary>
public sealed record LayerPrediction(string Name, string Configuration, int[] Dims, double Ms);

/// <summary>A model's predicted latency: its layers, the calibration and the total (ms).</summary>
public sealed record LatencyPrediction(IReadOnlyList<LayerPrediction> Layers, double CalibrationMs, double TotalMs);

/// <summary>Where the calibration term of a prediction comes from.</summary>
public enum CalibrationSource
{
    /// <summary>Measured on this model (by name and topology).</summary>
    Measured,

    /// <summary>Not measured for this model: the profile's calibrated models' mean overhead per layer times its layers.</summary>
    AveragePerLayer,

    /// <summary>The profile has no calibration at all: layers only.</summary>
    None,
}

/// <summary>
/// Predicts a model's latency at any widths from a profile: latency(widths) = Σ layers' interpolated table latency
/// + the model's calibration. Layer widths are linear in the channel-group widths, so the prediction is a
/// piecewise-linear function of the group widths with partial derivatives everywhere (<see cref="Evaluate"/>),
/// usable by methods that learn widths; <see cref="CostModel"/> offers it to every pruning method as an
/// <see cref="ICostModel"/> (exact marginals: the difference of two predictions).
/// </summary>
public sealed class LatencyPredictor
{
    private readonly LayerUnit[] _units;
    private readonly LatencyTable[] _tables;
    private readonly Dictionary<string, int> _unitOfHead;
    private readonly string? _outputNode;

    // dims(w) = _baseDims[u][a] + Σ_g _slopes[u][a][g] · (w_g − full_g), exact because shapes are linear in widths.
    private readonly double[][] _baseDims;
    private readonly (int Group, double Slope)[][][] _slopes;
    private readonly int[] _full;

    /// <exception cref="InvalidDataException">A configuration is missing or its table does not cover the model's widths.</exception>
    public LatencyPredictor(LatencyProfile profile, ChannelGroups groups)
    {
        ArgumentNullException.ThrowIfNull(profile);
        Groups = groups ?? throw new ArgumentNullException(nameof(groups));
        Profile = profile;
        var graph = groups.Graph;
        _units = LayerUnits.Decompose(graph).ToArray();
        _unitOfHead = _units.Select((u, i) => (u.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        _outputNode = graph.Producer(graph.OutputName)?.Name;
        _full = groups.FullWidths();

        var fullShapes = groups.PredictShapes(_full);
        var narrowest = groups.Groups.Select(g => g.Prunable ? 1 : g.Channels).ToArray();
        var narrowShapes = groups.PredictShapes(narrowest);
        var missing = new List<string>();
        _tables = new LatencyTable[_units.Length];
        for (var u = 0; u < _units.Length; u++)
        {
            var unit = _units[u];
            if (!profile.Layers.TryGetValue(unit.Config.Key, out var layer))
            {
                missing.Add($"configuration '{unit.Config.Key}' (layer '{unit.Name}') is not in the profile");
                continue;
            }

            _tables[u] = layer.Table;
            foreach (var (label, dims) in new[] { ("full", unit.Dims(fullShapes.Value, fullShapes.Tensor)), ("narrowest", unit.Dims(narrowShapes.Value, narrowShapes.Tensor)) })
            {
                if (!layer.Table.Covers(dims.Select(d => (double)d).ToArray()))
                {
                    var range = string.Join(", ", unit.Config.AxisNames.Select((n, d) => $"{n} {layer.Table.Axes[d][0]}…{layer.Table.Axes[d][^1]}"));
                    missing.Add($"configuration '{unit.Config.Key}' covers {range}, but layer '{unit.Name}' needs [{string.Join(", ", dims)}] at {label} width");
                    break;
                }
            }
        }

        if (missing.Count > 0)
        {
            throw new InvalidDataException(
                $"the latency profile lacks what model '{graph.Name}' needs ({missing.Count} problem(s)):\n  " + string.Join("\n  ", missing.Distinct()) +
                $"\nExtend the profile by measuring the model on this device: toolchain profile {graph.Name} --out PROFILE");
        }

        (_baseDims, _slopes) = LinearDims(groups, fullShapes);
        (CalibrationMs, CalibrationSource, CalibrationNote) = ChooseCalibration(profile, graph, _units.Length);
    }

    public ChannelGroups Groups { get; }

    public LatencyProfile Profile { get; }

    public IReadOnlyList<LayerUnit> Units => _units;

    /// <summary>The constant added to the layers' sum (ms).</summary>
    public double CalibrationMs { get; }

    public CalibrationSource CalibrationSource { get; }

    /// <summary>Where the calibration comes from, for people.</summary>
    public string CalibrationNote { get; }

    /// <summary>The latency cost model for pruning methods (name "latency", unit "ms").</summary>
    public ICostModel CostModel => new LatencyCost(this);

    /// <summary>Predicted latency at integer group widths, per layer.</summary>
    public LatencyPrediction Predict(IReadOnlyList<int> widths)
    {
        var shapes = Groups.PredictShapes(widths);
        var layers = _units.Select((u, i) =>
        {
            var dims = u.Dims(shapes.Value, shapes.Tensor);
            return new LayerPrediction(u.Name, u.Config.Key, dims, _tables[i].Interpolate(dims.Select(d => (double)d).ToArray()));
        }).ToList();
        return new LatencyPrediction(layers, CalibrationMs, layers.Sum(l => l.Ms) + CalibrationMs);
    }

    /// <summary>Predicted total latency (ms) at integer group widths.</summary>
    public double Total(IReadOnlyList<int> widths) => Predict(widths).TotalMs;

    /// <summary>
    /// The differentiable form: latency (ms) at real-valued group widths, and ∂latency/∂width per group written to
    /// <paramref name="gradient"/> (length = group count; 0 for unprunable groups). At a sampled width the slope is
    /// that of the segment below it (what removing channels saves). Widths of unprunable groups are ignored.
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

        if (gradient is not null)
        {
            if (gradient.Length != Groups.Count) throw new ArgumentException($"the gradient needs {Groups.Count} entries", nameof(gradient));
            Array.Clear(gradient);
        }

        var total = CalibrationMs;
        var axisGradient = new double[2];
        for (var u = 0; u < _units.Length; u++)
        {
            var dims = new double[_baseDims[u].Length];
            for (var a = 0; a < dims.Length; a++)
            {
                dims[a] = _baseDims[u][a];
                foreach (var (g, slope) in _slopes[u][a]) dims[a] += slope * (widths[g] - _full[g]);
            }

            total += _tables[u].Interpolate(dims, gradient is null ? null : axisGradient);
            if (gradient is null) continue;
            for (var a = 0; a < dims.Length; a++)
            {
                foreach (var (g, slope) in _slopes[u][a]) gradient[g] += axisGradient[a] * slope;
            }
        }

        return total;
    }

    /// <summary>What a node costs in the latency model: its layer's latency if it heads one, the calibration on the output node.</summary>
    internal double NodeLatency(Node node, PredictedShapes shapes)
    {
        var ms = 0.0;
        if (_unitOfHead.TryGetValue(node.Name, out var u))
        {
            ms += _tables[u].Interpolate(_units[u].Dims(shapes.Value, shapes.Tensor).Select(d => (double)d).ToArray());
        }

        if (node.Name == _outputNode) ms += CalibrationMs;
        return ms;
    }

    /// <summary>Each layer's widths at full width and their change per channel of each prunable group.</summary>
    private (double[][], (int, double)[][][]) LinearDims(ChannelGroups groups, PredictedShapes fullShapes)
    {
        var baseDims = _units.Select(u => u.Dims(fullShapes.Value, fullShapes.Tensor).Select(d => (double)d).ToArray()).ToArray();
        var slopes = _units.Select(u => u.Config.AxisNames.Select(_ => new List<(int, double)>()).ToArray()).ToArray();
        foreach (var group in groups.Groups.Where(g => g.Prunable))
        {
            var narrower = (int[])_full.Clone();
            narrower[group.Id]--;
            var shapes = groups.PredictShapes(narrower);
            for (var u = 0; u < _units.Length; u++)
            {
                var dims = _units[u].Dims(shapes.Value, shapes.Tensor);
                for (var a = 0; a < dims.Length; a++)
                {
                    var slope = baseDims[u][a] - dims[a];
                    if (slope != 0) slopes[u][a].Add((group.Id, slope));
                }
            }
        }

        return (baseDims, slopes.Select(s => s.Select(l => l.ToArray()).ToArray()).ToArray());
    }

    private static (double, CalibrationSource, string) ChooseCalibration(LatencyProfile profile, ModelGraph graph, int layers)
    {
        if (profile.FindCalibration(graph.Name, Profiler.Topology(graph)) is { } own)
        {
            return (own.OffsetMs, CalibrationSource.Measured, $"measured on '{graph.Name}' ({own.OffsetMs:F3} ms)");
        }

        var calibrated = profile.Calibrations.Where(c => c.Layers > 0).ToList();
        if (calibrated.Count == 0)
        {
            return (0, CalibrationSource.None, $"the profile has no whole-model calibration; the prediction is the layers' sum only (run 'toolchain profile {graph.Name}')");
        }

        var perLayer = calibrated.Average(c => c.OffsetMs / c.Layers);
        return (perLayer * layers, CalibrationSource.AveragePerLayer,
            $"'{graph.Name}' was not calibrated; using the mean overhead of {calibrated.Count} calibrated model(s), {perLayer * 1000:F2} µs per layer × {layers} layers (run 'toolchain profile {graph.Name}' to measure it)");
    }
}

/// <summary>
/// Latency as a pruning cost: a layer's interpolated latency is charged to its head node, the calibration to the node
/// writing the graph output, so Total = the prediction and Marginal = the exact drop of the prediction.
/// </summary>
public sealed class LatencyCost(LatencyPredictor predictor) : NodeCostModel((predictor ?? throw new ArgumentNullException(nameof(predictor))).Groups)
{
    public override string Name => "latency";

    public override string Unit => "ms";

    protected override double NodeCost(Node node, PredictedShapes shapes) => predictor.NodeLatency(node, shapes);
}
