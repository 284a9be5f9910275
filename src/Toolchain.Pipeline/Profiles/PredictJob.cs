using Toolchain.Profiling;
using Toolchain.Pruning;
using Toolchain.Runtime;

namespace Toolchain.Pipeline;

/// <summary>
/// <c>toolchain predict</c>'s workflow: the model's latency from a latency profile (the one named, or this engine's in
/// profiles/, checked against this machine's fingerprint), per layer; with <see cref="PredictRequest.Validate"/> the
/// prediction is checked against the engine's measurement of compacted models at random widths.
/// </summary>
public static class PredictJob
{
    public static PredictResult Run(PredictRequest request, IPredictObserver observer, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(observer);
        var r = request;
        if (!(r.MeasureSeconds >= 0)) throw new ArgumentException($"--measure-seconds cannot be negative (got {r.MeasureSeconds})");
        if (r.Batch < 1) throw new ArgumentException($"--batch must be at least 1 (got {r.Batch})");
        if (!(r.Ratio >= 0 && r.Ratio < 1)) throw new ArgumentException($"--ratio must lie in [0, 1) (got {r.Ratio})");
        if (r.RoundTo < 1) throw new ArgumentException($"--round-to must be at least 1 (got {r.RoundTo})");
        if (r.Samples < 0) throw new ArgumentException($"--samples cannot be negative (got {r.Samples})");
        if (r.RecalibrationSamples < 0) throw new ArgumentException($"the recalibration's random samples cannot be negative (got {r.RecalibrationSamples})");
        if (r.Threads < 0) throw new ArgumentException($"--threads cannot be negative (got {r.Threads})");
        _ = Engines.FindProfilable(r.Engine); // before the profile is looked for: an unknown name lists the known ones

        var remote = r.Device;
        var profileFile = r.Profile;
        if (profileFile is null && remote is not null)
        {
            // The device's own profile, as 'toolchain profile --device' caches it, before anything measured elsewhere.
            var cached = LatencyProfiles.DeviceProfilePath(remote.Address, r.Engine, remote.Fingerprint(r.Engine, r.Threads, r.Batch).Cores, r.Batch);
            if (File.Exists(cached)) profileFile = cached;
        }

        var (path, profile) = LatencyProfiles.Select(r.Engine, r.Batch, profileFile, r.Model);
        var warnings = new List<string>();
        var engine = r.Validate && remote is null ? ProfileEngines.Create(r.Engine, r.Threads) : null;
        var here = remote?.Fingerprint(r.Engine, r.Threads, r.Batch) ?? engine?.Fingerprint(r.Batch) ?? LatencyProfiles.Here(r.Engine, r.Threads, r.Batch);
        var differences = profile.Device.Differences(here);
        if (differences.Count > 0)
        {
            var where = remote is null ? "here" : $"on {remote.Address}";
            warnings.Add($"'{path}' was measured on another device or engine ({string.Join("; ", differences)}); its predictions may not hold {where}");
        }

        using var graph = ModelResolver.Open(r.Model);
        var groups = ChannelGroups.Discover(graph);
        var predictor = new LatencyPredictor(profile, groups);
        if (predictor.CalibrationSource != CalibrationSource.Measured) warnings.Add(predictor.CalibrationNote);
        foreach (var w in warnings) observer.Warning(w);

        var widths = r.Ratio > 0
            ? groups.Groups.Select(g => g.Prunable ? UniformPruning.KeptWidth(g.Channels, r.Ratio, r.RoundTo) : g.Channels).ToArray()
            : groups.FullWidths();
        var result = new PredictResult(graph.Name, path, profile.Device.Engine, r.Batch, r.Ratio, predictor.Predict(widths), predictor.CalibrationSource,
            predictor.CalibrationNote, warnings, Validation: null);
        observer.Predicted(result);
        if (!r.Validate) return result;

        var report = remote is null
            ? Measure(r.Model, profile, engine!, r, observer, cancellation)
            : remote.Validate(r, path, observer, cancellation).Report;
        return result with { Validation = report };
    }

    /// <summary>
    /// The validation's measurement (<see cref="PredictionValidator.Validate"/>) of <paramref name="model"/> against
    /// <paramref name="profile"/> on <paramref name="engine"/> with the request's samples, seed, duration and recalibration:
    /// what <c>predict --validate</c> measures here and a device agent's validate job there.
    /// </summary>
    public static ValidationReport Measure(string model, LatencyProfile profile, ProfileEngine engine, PredictRequest r, IJobObserver observer, CancellationToken cancellation = default)
    {
        const string title = "measuring compacted models";
        return observer.WithProgress(title, bar => PredictionValidator.Validate(() => ModelResolver.Open(model), profile, engine, r.Batch,
            r.Samples, r.Seed, new ModelMeasurement { MinSeconds = r.MeasureSeconds }, new SyncProgress<double>(f => bar.Update(title, f, 1)), cancellation, r.RecalibrationSamples));
    }
}
