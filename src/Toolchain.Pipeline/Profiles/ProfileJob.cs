using Toolchain.Profiling;
using Toolchain.Torch.Serialization;

namespace Toolchain.Pipeline;

/// <summary>
/// Measures, on this machine and engine, how each layer configuration of the models depends on its widths, and
/// saves (or extends) a latency profile — <c>toolchain profile</c>'s workflow. The file is saved after every model,
/// so an interrupted run keeps every model finished before it; running it again extends that file, reusing what it
/// holds. A cancelled <c>cancellation</c> stops it between measurements with <see cref="OperationCanceledException"/>.
/// </summary>
public static class ProfileJob
{
    public static ProfileJobResult Run(ProfileRequest request, IProfileObserver observer, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(observer);
        Validate(request);
        if (request.Device is { } device) return RunRemote(request, device, observer, cancellation);
        var options = request.Options;
        var engine = ProfileEngines.Create(request.Engine, request.Threads);
        var profiler = new Profiler(engine, request.Batch, options);
        var path = request.Output ?? ProfileLocator.DefaultOutput(engine.Name, request.Batch);
        var profile = OpenOrCreate(observer, profiler, engine, request.Batch, path, request.Replace);

        // Open every model first: a typo in the last one should not cost the measurements of the first.
        foreach (var model in request.Models) ModelResolver.Open(model).Dispose();

        var results = new List<ProfileResult>();
        foreach (var model in request.Models)
        {
            var result = observer.WithProgress($"profiling {model}", bar => profiler.Profile(profile, () => ModelResolver.Open(model),
                new SyncProgress<ProfilerProgress>(p => bar.Update($"{model}: {p.Stage} {p.Detail}", p.Done, p.Total)), cancellation));
            results.Add(result);
            // Saved after every model, so an interrupted run keeps what was measured.
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            profile.Save(path);
            observer.Profiled(result);
        }

        // A later model may have re-measured a table an earlier one shares: store every fit against the final tables.
        foreach (var model in request.Models.SkipLast(1))
        {
            using var graph = ModelResolver.Open(model);
            Profiler.RefitCalibration(profile, graph);
        }

        if (request.Models.Count > 1) profile.Save(path);
        return new ProfileJobResult(path, profile, results);
    }

    /// <summary>
    /// The same profile measured by a device agent: one job per model, each extending the profile the previous one returned,
    /// the file (cached per device) saved after every model, so an agent lost mid-run costs only the model it was measuring
    /// and the same command continues from there. The fits are refreshed here at the end, as a local run does (no measurement).
    /// </summary>
    private static ProfileJobResult RunRemote(ProfileRequest request, IRemoteDevice device, IProfileObserver observer, CancellationToken cancellation)
    {
        var here = device.Fingerprint(request.Engine, request.Threads, request.Batch);
        var path = request.Output ?? LatencyProfiles.DeviceProfilePath(device.Address, request.Engine, here.Cores, request.Batch);
        foreach (var model in request.Models) ModelResolver.Open(model).Dispose();
        string? json = null;
        if (!request.Replace && File.Exists(path))
        {
            var existing = LatencyProfile.Load(path);
            var differences = existing.Device.Differences(here).ToList();
            if (existing.Device.Batch != request.Batch) differences.Add($"batch: profile {existing.Device.Batch}, device {request.Batch}");
            if (differences.Count > 0)
            {
                throw new ArgumentException($"'{path}' was measured on another device or setting than the agent at {device.Address} ({string.Join("; ", differences)}); " +
                                            "choose another --out, or pass --replace to measure it anew");
            }

            observer.Info($"extending {path} ({existing.Layers.Count} configurations, {existing.Calibrations.Count} calibrated model(s)), measured on {device.Address}");
            json = File.ReadAllText(path);
        }

        var results = new List<ProfileResult>();
        foreach (var model in request.Models)
        {
            var (profiled, result) = device.Profile(() => ModelResolver.Open(model), request, json, observer, cancellation);
            // Stored as the local profiler stores a profile (the wire's JSON is the same document, compact).
            AtomicFile.WriteAllText(path, profiled, createFolder: true);
            LatencyProfile.Load(path).Save(path);
            json = File.ReadAllText(path);
            results.Add(result);
            observer.Profiled(result);
        }

        var profile = LatencyProfile.Load(path);
        if (request.Models.Count > 1)
        {
            foreach (var model in request.Models.SkipLast(1))
            {
                using var graph = ModelResolver.Open(model);
                Profiler.RefitCalibration(profile, graph);
            }

            profile.Save(path);
        }

        return new ProfileJobResult(path, profile, results);
    }

    /// <summary>Refuses settings that cannot make a profile, before anything is measured; errors name the command-line options.</summary>
    private static void Validate(ProfileRequest r)
    {
        var options = r.Options;
        if (r.Models.Count == 0) throw new ArgumentException("name at least one model to profile");
        if (r.Batch < 1) throw new ArgumentException($"--batch must be at least 1 (got {r.Batch})");
        if (options.Runs < 1) throw new ArgumentException($"--runs must be at least 1 (got {options.Runs})");
        if (options.Warmup < 0) throw new ArgumentException($"--warmup cannot be negative (got {options.Warmup})");
        if (options.GridStep < 1) throw new ArgumentException($"--grid-step must be at least 1 (got {options.GridStep})");
        if (options.MaxInitialPoints < 2) throw new ArgumentException($"--max-points must be at least 2 (got {options.MaxInitialPoints})");
        if (options.CalibrationSamples < 0) throw new ArgumentException($"--calibration-samples cannot be negative (got {options.CalibrationSamples})");
        if (r.Threads < 0) throw new ArgumentException($"--threads cannot be negative (got {r.Threads})");
        if (!(options.Calibration.MinSeconds >= 0)) throw new ArgumentException($"--calibration-seconds cannot be negative (got {options.Calibration.MinSeconds})");
    }

    private static LatencyProfile OpenOrCreate(IJobObserver observer, Profiler profiler, ProfileEngine engine, int batch, string path, bool replace)
    {
        if (replace || !File.Exists(path)) return profiler.NewProfile();
        var existing = LatencyProfile.Load(path);
        var here = engine.Fingerprint(batch);
        var differences = existing.Device.Differences(here).ToList();
        if (existing.Device.Batch != batch) differences.Add($"batch: profile {existing.Device.Batch}, here {batch}");
        if (existing.Deployment != engine.Deployment) differences.Add($"deployment: profile '{existing.Deployment.Describe()}', here '{engine.Deployment.Describe()}'");
        if (differences.Count > 0)
        {
            throw new ArgumentException(
                $"'{path}' was measured on another device or setting ({string.Join("; ", differences)}); mixing measurements would make it wrong. " +
                "Choose another --out, or pass --replace to measure it anew");
        }

        observer.Info($"extending {path} ({existing.Layers.Count} configurations, {existing.Calibrations.Count} calibrated model(s))");
        return existing;
    }
}
