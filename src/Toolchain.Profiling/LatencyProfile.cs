using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Toolchain.Torch.Serialization;

namespace Toolchain.Profiling;

/// <summary>One layer configuration's measured latency table.</summary>
public sealed record LayerProfile(LayerConfig Config, LatencyTable Table)
{
    public string Key => Config.Key;
}

/// <summary>
/// One whole-model measurement a calibration was fitted on: measured latency, the layers' sum and kernel count when it
/// was fitted, and the group widths measured (absent in profiles written before they were stored).
/// </summary>
public sealed record CalibrationPoint(string Label, double MeasuredMs, double LayersMs, int Kernels, int[]? Widths = null);

/// <summary>
/// What the sum of a model's layers misses, measured per model: latency ≈ <see cref="Scale"/> · Σ layers −
/// <see cref="PerKernelMs"/> · kernels + <see cref="OffsetMs"/>. The offset holds the engine's per-run overhead and
/// the ops that are no layer (Flatten, the reorders at the graph's ends); scale and per-kernel term what timing
/// kernels alone does not see as the model runs them (ONNX Runtime's profiler adds microseconds to every kernel it
/// times, more to larger ones; inside a model the executor adds its own per-kernel cost). All three are fitted by least
/// squares over the dense model and random width assignments (<see cref="Points"/>), compacted and measured whole.
/// <see cref="ProbeMs"/> is the <see cref="SpeedProbe"/>'s latency measured in the same rounds: how fast the machine
/// was while the points were measured (absent in profiles written before the probe existed).
/// </summary>
public sealed record ModelCalibration(string Model, string Topology, int Layers, double Scale, double OffsetMs, double PerKernelMs, IReadOnlyList<CalibrationPoint> Points,
    double? ProbeMs = null)
{
    /// <summary>The calibrated latency of a width assignment whose layers sum to <paramref name="layersMs"/> over <paramref name="kernels"/> kernels.</summary>
    public double Apply(double layersMs, int kernels) => Scale * layersMs - PerKernelMs * kernels + OffsetMs;

    /// <summary>
    /// Whether every point says which widths it measured and a graph whose groups have <paramref name="channels"/>
    /// channels can express them: the calibrated model itself, not a compacted copy of it (the same topology, but its
    /// channel maps stop at the pruned widths, so the dense points would be read at the wrong widths).
    /// </summary>
    public bool CanRefit(IReadOnlyList<int> channels)
    {
        ArgumentNullException.ThrowIfNull(channels);
        return Points.Count > 0 && Points.All(p => p.Widths is { } w && w.Length == channels.Count && w.Select((v, g) => v <= channels[g]).All(fits => fits));
    }

    /// <summary>
    /// The same measurements fitted again against the tables as they are now: <paramref name="rawSum"/> gives each
    /// point's layers' sum and kernel count at its widths. A later model's profiling may re-measure a table this model
    /// shares (a wider range, another pass), and a fit made against the old table would no longer describe the new one.
    /// </summary>
    public ModelCalibration Refit(Func<int[], (double LayersMs, int Kernels)> rawSum)
    {
        ArgumentNullException.ThrowIfNull(rawSum);
        var points = Points.Select(p =>
        {
            var widths = p.Widths ?? throw new InvalidOperationException($"calibration point '{p.Label}' of '{Model}' has no widths to refit");
            var (layersMs, kernels) = rawSum(widths);
            return p with { LayersMs = layersMs, Kernels = kernels };
        }).ToList();
        var (scale, offset, perKernel) = Fit(points);
        return this with { Scale = scale, OffsetMs = offset, PerKernelMs = perKernel, Points = points };
    }

    /// <summary>
    /// Least squares of measured ≈ scale · layers − perKernel · kernels + offset, on relative errors (each point
    /// weighted by 1 / measured: a small model counts as much as a large one, as in a percentage error). With too few
    /// or too similar points the terms the points cannot tell apart are left out: first the per-kernel term (0), then
    /// the scale (1). A fit that predicts 0 ms or less for one of its own points is refused the same way (noisy
    /// measurements on a loaded host gave a tiny model offset −10.8 ms and a negative prediction); the last resort,
    /// a scale alone, is positive wherever the layers are.
    /// </summary>
    public static (double Scale, double OffsetMs, double PerKernelMs) Fit(IReadOnlyList<CalibrationPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0) throw new ArgumentException("a calibration needs at least one measured point", nameof(points));
        var weight = points.Select(p => 1 / p.MeasuredMs).ToArray();
        var y = points.Select((p, i) => p.MeasuredMs * weight[i]).ToArray();
        var layers = points.Select((p, i) => p.LayersMs * weight[i]).ToArray();
        var kernels = points.Select((p, i) => p.Kernels * weight[i]).ToArray();
        bool Positive(double scale, double offset, double perKernel) => scale > 0 && points.All(p => scale * p.LayersMs - perKernel * p.Kernels + offset > 0);
        if (points.Count >= 4 && Solve([layers, kernels, weight], y) is { } full && Positive(full[0], full[2], -full[1])) return (full[0], full[2], -full[1]);
        if (points.Count >= 3 && Solve([layers, weight], y) is { } scaled && Positive(scaled[0], scaled[1], 0)) return (scaled[0], scaled[1], 0);
        var squared = weight.Select(w => w * w).ToArray();
        var shift = points.Select((p, i) => squared[i] * (p.MeasuredMs - p.LayersMs)).Sum() / squared.Sum();
        if (Positive(1, shift, 0)) return (1, shift, 0);
        // measured ≈ scale · layers, least squares on relative errors.
        return (layers.Zip(y, (l, m) => l * m).Sum() / layers.Sum(l => l * l), 0, 0);
    }

    /// <summary>Least squares coefficients of y on the given columns (normal equations), or null when they are (nearly) collinear.</summary>
    private static double[]? Solve(double[][] columns, double[] y)
    {
        var k = columns.Length;
        // Columns are scaled to unit size first so the conditioning test means the same for ms and kernel counts.
        var norms = columns.Select(c => Math.Sqrt(c.Sum(v => v * v))).ToArray();
        if (norms.Any(n => n == 0)) return null;
        var a = new double[k, k + 1];
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++) a[i, j] = columns[i].Zip(columns[j], (p, q) => p * q).Sum() / (norms[i] * norms[j]);
            a[i, k] = columns[i].Zip(y, (p, q) => p * q).Sum() / norms[i];
        }

        for (var c = 0; c < k; c++)
        {
            var pivot = Enumerable.Range(c, k - c).MaxBy(r => Math.Abs(a[r, c]));
            if (Math.Abs(a[pivot, c]) < 1e-9) return null;
            for (var j = 0; j <= k; j++) (a[c, j], a[pivot, j]) = (a[pivot, j], a[c, j]);
            for (var r = 0; r < k; r++)
            {
                if (r == c) continue;
                var f = a[r, c] / a[c, c];
                for (var j = c; j <= k; j++) a[r, j] -= f * a[c, j];
            }
        }

        return Enumerable.Range(0, k).Select(i => a[i, k] / a[i, i] / norms[i]).ToArray();
    }
}

/// <summary>How the profile's numbers were measured (kept in the file so a reader knows what they mean).</summary>
public sealed record MeasurementSettings(int Warmup, int Runs, int ModelRounds, int ModelRuns, string LayerStatistic, string ModelStatistic);

/// <summary>
/// A device's latency profile: the fingerprint of the machine and engine, one table per layer configuration and a
/// calibration per model. Stored as JSON (schema <see cref="SchemaName"/> version <see cref="SchemaVersion"/>, see
/// profiles/README.md), written atomically.
/// </summary>
public sealed partial class LatencyProfile
{
    public const string SchemaName = "toolchain.latency-profile";
    public const int SchemaVersion = 1;

    private readonly Dictionary<string, LayerProfile> _layers = new(StringComparer.Ordinal);
    private readonly List<ModelCalibration> _calibrations = [];

    public LatencyProfile(DeviceFingerprint device, MeasurementSettings measurement, Deployment deployment)
    {
        Device = device ?? throw new ArgumentNullException(nameof(device));
        Measurement = measurement ?? throw new ArgumentNullException(nameof(measurement));
        Deployment = deployment ?? throw new ArgumentNullException(nameof(deployment));
    }

    public DeviceFingerprint Device { get; private set; }

    /// <summary>The file this profile was loaded from or last saved to (null for one only in memory): errors about its content name it.</summary>
    public string? SourcePath { get; private set; }

    public MeasurementSettings Measurement { get; }

    /// <summary>How the engine runs a model at given widths (which tables a prediction sums).</summary>
    public Deployment Deployment { get; }

    /// <summary>Tables by <see cref="LayerConfig.Key"/>.</summary>
    public IReadOnlyDictionary<string, LayerProfile> Layers => _layers;

    public IReadOnlyList<ModelCalibration> Calibrations => _calibrations;

    /// <summary>Adds or replaces the table of <paramref name="config"/>.</summary>
    public void SetLayer(LayerConfig config, LatencyTable table)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(table);
        if (table.Rank != config.AxisNames.Count)
        {
            throw new ArgumentException($"layer '{config.Key}' has axes ({string.Join(", ", config.AxisNames)}) but the table has {table.Rank}", nameof(table));
        }

        _layers[config.Key] = new LayerProfile(config, table);
    }

    /// <summary>Adds or replaces the calibration of a model (by name and topology).</summary>
    public void SetCalibration(ModelCalibration calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        _calibrations.RemoveAll(c => c.Model == calibration.Model && c.Topology == calibration.Topology);
        _calibrations.Add(calibration);
    }

    /// <summary>The calibration measured for this model and topology, or null.</summary>
    public ModelCalibration? FindCalibration(string model, string topology) =>
        _calibrations.FirstOrDefault(c => c.Model == model && c.Topology == topology);

    /// <summary>Marks the profile as re-measured now (after extending it).</summary>
    public void Touch(DeviceFingerprint device) => Device = device;

    // ---- file format -------------------------------------------------------------------------------------

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.Strict,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        AllowOutOfOrderMetadataProperties = true, // "kind" of the deployment may come anywhere in a hand-edited file
    };

    private sealed record FileDto(
        string? Schema, int? SchemaVersion, DeviceFingerprint? Device, MeasurementSettings? Measurement, Deployment? Deployment,
        List<LayerDto?>? Layers, List<ModelCalibration?>? Calibrations);

    private sealed record LayerDto(string? Key, LayerConfig? Config, Dictionary<string, int[]>? Axes, JsonElement LatencyUs);

    /// <summary>Reads a profile. Missing file → <see cref="FileNotFoundException"/>; anything malformed → <see cref="InvalidDataException"/> naming the file and what is wrong.</summary>
    public static LatencyProfile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"latency profile '{path}' does not exist (measure one with 'toolchain profile MODEL --out {path}')", path);
        FileDto? dto;
        try
        {
            dto = JsonSerializer.Deserialize<FileDto>(File.ReadAllText(path), Options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"latency profile '{path}' is not valid profile JSON: {e.Message}", e);
        }
        catch (NotSupportedException e)
        {
            throw new InvalidDataException($"latency profile '{path}' is not valid profile JSON: {e.Message}", e);
        }

        return FromDto(dto, path);
    }

    private static LatencyProfile FromDto(FileDto? dto, string path)
    {
        InvalidDataException Bad(string what) => new($"latency profile '{path}': {what}");
        if (dto is null) throw Bad("the file holds JSON null");
        if (dto.Schema != SchemaName) throw Bad($"'schema' is '{dto.Schema ?? "missing"}', expected '{SchemaName}' (is this a latency profile?)");
        if (dto.SchemaVersion != SchemaVersion)
        {
            throw Bad($"schema version {dto.SchemaVersion?.ToString(CultureInfo.InvariantCulture) ?? "missing"} is not supported (this toolchain reads version {SchemaVersion}); measure the profile again");
        }

        var device = dto.Device ?? throw Bad("'device' is missing");
        if (string.IsNullOrWhiteSpace(device.CpuModel) || string.IsNullOrWhiteSpace(device.Engine) || device.Batch < 1 || device.Threads < 1 || device.Cores < 1)
        {
            throw Bad("'device' lacks the CPU model or engine, or has a batch/threads/cores below 1");
        }

        var measurement = dto.Measurement ?? throw Bad("'measurement' is missing");
        var deployment = dto.Deployment ?? throw Bad("'deployment' is missing");
        if (deployment is OrtNchwcDeployment { Block: < 1 } or OrtNchwcDeployment { Alignment: < 1 }) throw Bad("'deployment' needs a positive block and alignment");
        var profile = new LatencyProfile(device, measurement, deployment);
        var layers = dto.Layers ?? throw Bad("'layers' is missing");
        for (var i = 0; i < layers.Count; i++)
        {
            var where = $"latency profile '{path}', layers[{i}]";
            var layer = layers[i] ?? throw new InvalidDataException($"{where} is null");
            var config = layer.Config ?? throw new InvalidDataException($"{where} has no 'config'");
            config.Validate(where);
            if (layer.Key != config.Key) throw new InvalidDataException($"{where}: key '{layer.Key}' does not match its configuration ('{config.Key}')");
            if (profile._layers.ContainsKey(config.Key)) throw new InvalidDataException($"{where}: configuration '{config.Key}' appears twice");
            var axes = config.AxisNames.Select(name => layer.Axes?.GetValueOrDefault(name)
                ?? throw new InvalidDataException($"{where} ('{config.Key}') lacks axis '{name}'")).ToArray();
            var values = ReadLatencies(layer.LatencyUs, axes, $"{where} ('{config.Key}')");
            try
            {
                profile.SetLayer(config, new LatencyTable(axes, values));
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{where} ('{config.Key}'): {e.Message}", e);
            }
        }

        foreach (var (c, i) in (dto.Calibrations ?? []).Select((c, i) => (c, i)))
        {
            if (c is null || string.IsNullOrEmpty(c.Model) || string.IsNullOrEmpty(c.Topology) || c.Layers < 1 || !double.IsFinite(c.OffsetMs) ||
                !double.IsFinite(c.PerKernelMs) || !(c.Scale > 0) || !double.IsFinite(c.Scale) || c.Points is null ||
                c.Points.Any(p => p is null || !double.IsFinite(p.MeasuredMs) || p.MeasuredMs <= 0 || !double.IsFinite(p.LayersMs) || p.Kernels < 0 ||
                                  p.Widths is { } w && (w.Length == 0 || w.Any(x => x < 1))) ||
                c.ProbeMs is { } probe && !(probe > 0 && double.IsFinite(probe)))
            {
                throw Bad($"calibrations[{i}] needs a model, a topology, a layer count, a positive scale, a finite offset and per-kernel term, measured points (latency > 0, widths ≥ 1 when given) and, when present, a positive probeMs");
            }

            profile.SetCalibration(c);
        }

        profile.SourcePath = path;
        return profile;
    }

    /// <summary>µs → ms; 1-D tables are a flat array, 2-D ones an array of rows (one per 'in' width).</summary>
    private static double[] ReadLatencies(JsonElement element, int[][] axes, string where)
    {
        var values = new List<double>();
        void ReadRow(JsonElement row, int expected, string what)
        {
            if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() != expected)
            {
                throw new InvalidDataException($"{where}: {what} must be an array of {expected} latencies (µs)");
            }

            foreach (var v in row.EnumerateArray())
            {
                if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var us) || !double.IsFinite(us) || us < 0)
                {
                    throw new InvalidDataException($"{where}: {what} holds '{v}', not a non-negative latency in µs");
                }

                values.Add(us / 1000);
            }
        }

        if (axes.Length == 1)
        {
            ReadRow(element, axes[0].Length, "'latencyUs'");
        }
        else
        {
            if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() != axes[0].Length)
            {
                throw new InvalidDataException($"{where}: 'latencyUs' must hold {axes[0].Length} rows (one per 'in' width)");
            }

            var r = 0;
            foreach (var row in element.EnumerateArray()) ReadRow(row, axes[1].Length, $"'latencyUs' row {r++}");
        }

        return values.ToArray();
    }

    /// <summary>Writes the profile to a temporary file beside <paramref name="path"/>, then renames it into place.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"cannot write latency profile '{path}': folder '{directory}' does not exist");

        var dto = new FileDto(SchemaName, SchemaVersion, Device, Measurement, Deployment,
            _layers.Values.OrderBy(l => l.Key, StringComparer.Ordinal).Select(ToDto).ToList<LayerDto?>(),
            _calibrations.OrderBy(c => c.Model, StringComparer.Ordinal).ToList<ModelCalibration?>());
        // One row of numbers per line keeps committed profiles readable and diffs small.
        var json = NumberArray().Replace(JsonSerializer.Serialize(dto, Options), m => Whitespace().Replace(m.Value, " ").Replace("[ ", "[").Replace(" ]", "]"));
        AtomicFile.WriteAllText(full, json + "\n");
        SourcePath = path;
    }

    private static LayerDto ToDto(LayerProfile layer)
    {
        var t = layer.Table;
        var axes = layer.Config.AxisNames.Select((name, d) => (name, t.Axes[d])).ToDictionary(x => x.name, x => x.Item2);
        var us = t.Values.Select(v => Math.Round(v * 1000, 2)).ToArray();
        var latencies = t.Rank == 1
            ? JsonSerializer.SerializeToElement(us)
            : JsonSerializer.SerializeToElement(Enumerable.Range(0, t.Axes[0].Length).Select(r => us.Skip(r * t.Axes[1].Length).Take(t.Axes[1].Length).ToArray()).ToArray());
        return new LayerDto(layer.Key, layer.Config, axes, latencies);
    }

    [GeneratedRegex(@"\[[\s\d.,eE+\-]*\]")]
    private static partial Regex NumberArray();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
