using static System.FormattableString;
using System.Text.Json;
using Toolchain.Torch.Serialization;
using Toolchain.Graph;
using Toolchain.Profiling;
using Toolchain.Pruning;
using Toolchain.Runtime;

namespace Toolchain.Pipeline;

/// <summary>
/// Which latency profile predicts a model's latency on a deployed engine at a batch size: a profile file the user
/// names, the one in profiles/ for the engine and batch, or (<c>auto</c>) this machine's, measured for the model
/// when it does not cover it yet. Every job that predicts latency (prune, the pipeline) selects it here.
/// </summary>
public static class LatencyProfiles
{
    /// <summary>The profile option's value that asks for this machine's profile, measured for the model when needed.</summary>
    public const string Auto = "auto";

    /// <summary>Where <c>--profile auto</c> keeps this machine's profile of <paramref name="engine"/> for a deployment batch size.</summary>
    public static string AutoProfilePath(string engine, int batch) => Path.Combine("runs", "profiles", $"{engine}-b{batch}-auto.json");

    /// <summary>
    /// The latency cost model from the profile, or null when there is none for this model. A latency budget needs it
    /// (<paramref name="needed"/>): then a missing profile, or one that lacks the model's layers, is an error naming
    /// the command that measures one. With <paramref name="profile"/> = <see cref="Auto"/> this machine's tables for
    /// the model are measured first (<paramref name="open"/> opens a fresh copy of the model for the profiler);
    /// null looks in profiles/ for <paramref name="engine"/> at <paramref name="batch"/>; anything else is a path.
    /// With <paramref name="recalibration"/> (a file path) the model's whole-model calibration is measured again first,
    /// on this machine as it runs now (<see cref="Profiler.Recalibrate"/>; the profile file is left as it is), and kept
    /// in that file; when the file already exists its calibration is used instead, so a resumed run predicts exactly as
    /// the interrupted one did (the widths it chose meet the budgets under those predictions).
    /// </summary>
    /// <param name="device">The target is this device agent: <see cref="Auto"/> is its profile (measured there, cached in
    /// <see cref="DeviceProfilePath"/>), no profile named is its cached one, fingerprints are compared with it, and the
    /// recalibration is measured there.</param>
    public static LatencyCost? CostModel(string engine, int batch, string? profile, ChannelGroups groups, bool needed, Func<ModelGraph> open, IJobObserver observer,
        CancellationToken cancellation = default, string? recalibration = null, IRemoteDevice? device = null)
    {
        var cost = Load(engine, batch, profile, groups, needed, open, observer, cancellation, device);
        if (cost is null || recalibration is null) return cost;
        var stored = cost.Predictor; // keeps the calibration it was built with, for the comparison below
        ModelCalibration now;
        if (File.Exists(recalibration))
        {
            now = JsonSerializer.Deserialize<ModelCalibration>(File.ReadAllText(recalibration))
                  ?? throw new InvalidDataException($"'{recalibration}' holds no latency calibration; delete it to measure anew");
            stored.Profile.SetCalibration(now);
            observer.Info($"latency calibration: the one measured before the interruption ({recalibration})");
        }
        else
        {
            now = device is null ? Recalibrate(engine, batch, stored.Profile, open, observer, cancellation) : device.Recalibrate(open, engine, batch, stored.Profile, observer, cancellation);
            stored.Profile.SetCalibration(now);
            AtomicFile.WriteAllText(recalibration, JsonSerializer.Serialize(now), createFolder: true);
        }

        var recalibrated = new LatencyPredictor(stored.Profile, groups);
        var full = groups.FullWidths();
        observer.Info(Invariant($"latency calibration measured now{(device is null ? "" : $" on {device.Address}")} on {now.Points.Count} whole models: dense predicted {recalibrated.Total(full):F3} ms (stored calibration: {stored.Total(full):F3} ms); ") +
                      Invariant($"scale {now.Scale:F3}, offset {now.OffsetMs:F3} ms, {now.PerKernelMs * 1000:F2} µs per kernel"));
        return new LatencyCost(recalibrated);
    }

    /// <summary>
    /// The model's whole-model calibration measured again on this machine as it runs now (<see cref="Profiler.Recalibrate"/>),
    /// set in <paramref name="profile"/>; what recalibration runs here and on a device agent.
    /// </summary>
    public static ModelCalibration Recalibrate(string engine, int batch, LatencyProfile profile, Func<ModelGraph> open, IJobObserver observer, CancellationToken cancellation = default)
    {
        var profiler = new Profiler(ProfileEngines.Create(engine, 0), batch);
        const string title = "recalibrating the latency profile on this machine now";
        return observer.WithProgress(title, bar => profiler.Recalibrate(profile, open, new SyncProgress<double>(f => bar.Update(title, f, 1)), cancellation));
    }

    /// <summary>
    /// Where a profile measured by the device agent at <paramref name="device"/> is cached:
    /// profiles/devices/HOST/ENGINE-NcoreS-bBATCH.json (HOST from the address, N the device's cores).
    /// </summary>
    public static string DeviceProfilePath(Uri device, string engine, int cores, int batch) =>
        Path.Combine(ProfileLocator.FindFolder() ?? Path.Combine(Directory.GetCurrentDirectory(), ProfileLocator.FolderName), "devices", SafeHost(device),
            ProfileLocator.FileName(engine, cores, batch));

    private static string SafeHost(Uri device)
    {
        return new string(device.Host.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray());
    }

    private static LatencyCost? Load(string engine, int batch, string? profile, ChannelGroups groups, bool needed, Func<ModelGraph> open, IJobObserver observer,
        CancellationToken cancellation, IRemoteDevice? device)
    {
        if (profile == Auto)
        {
            var measured = device is null ? ProfileHere(engine, batch, groups, open, observer, cancellation) : ProfileOnDevice(engine, batch, groups, open, device, observer, cancellation);
            return new LatencyCost(new LatencyPredictor(measured, groups));
        }

        var searched = profile ?? "";
        var cached = device is null ? null : DeviceProfilePath(device.Address, engine, device.Fingerprint(engine, 0, batch).Cores, batch);
        var path = profile ?? (File.Exists(cached) ? cached : ProfileLocator.FindDefault(engine, batch, out searched));
        var measure = $"pass --profile auto to measure this machine's tables for the model first, or measure a profile with 'toolchain profile MODEL --engine {engine} --batch {batch}' and pass it with --profile";
        if (path is null)
        {
            if (needed) throw new FileNotFoundException($"a latency budget needs a latency profile for {engine} at batch {batch} and none was found (looked for {searched}); {measure}");
            return null;
        }

        var here = device?.Fingerprint(engine, 0, batch) ?? Here(engine, 0, batch);
        try
        {
            var loaded = LatencyProfile.Load(path);
            var differences = loaded.Device.Differences(here);
            if (differences.Count > 0)
            {
                var target = device is null ? "here — --profile auto measures this machine" : $"on {device.Address} — profile auto measures that device";
                observer.Info($"warning: '{path}' was measured on another device or engine ({string.Join("; ", differences)}); latency predictions and budgets may be off {target}");
            }

            return new LatencyCost(new LatencyPredictor(loaded, groups));
        }
        // NotSupportedException: a layer the profiler cannot time (LayerUnits names it): a MACs or params budget still runs.
        catch (Exception e) when (e is ArgumentException or InvalidDataException or KeyNotFoundException or NotSupportedException)
        {
            if (needed && e is NotSupportedException) throw new ArgumentException($"a latency budget needs this model's latency predicted, and {e.Message}: give a macs= or params= budget instead", e);
            if (needed) throw new ArgumentException($"'{path}' cannot predict this model's latency ({e.Message}); {measure}", e);
            observer.Info($"note: no latency prediction for this model from '{path}' ({e.Message})");
            return null;
        }
    }

    /// <summary>
    /// The profile a prediction for <paramref name="engine"/> at <paramref name="batch"/> reads: <paramref name="profile"/>
    /// when given, else the one in profiles/ for the engine, this machine's core count and the batch. Missing, or made for
    /// another engine or batch: an error naming the command that measures one for <paramref name="model"/>. Whether it was
    /// measured on this device is the caller's to judge (against <see cref="Here"/>).
    /// </summary>
    public static (string Path, LatencyProfile Profile) Select(string engine, int batch, string? profile, string model)
    {
        var path = profile ?? ProfileLocator.FindDefault(engine, batch, out var searched)
            ?? throw new FileNotFoundException($"no latency profile for {engine} at batch {batch} was found (looked for {searched}); " +
                                               $"measure one with 'toolchain profile {model} --engine {engine} --batch {batch}' or pass --profile");
        var loaded = LatencyProfile.Load(path);
        if (loaded.Device.Engine != engine || loaded.Device.Batch != batch)
        {
            throw new ArgumentException($"'{path}' profiles {loaded.Device.Engine} at batch {loaded.Device.Batch}, not {engine} at batch {batch}; " +
                                        "measure a profile for this setting with 'toolchain profile'");
        }

        return (path, loaded);
    }

    /// <summary>This machine as a profile of <paramref name="engine"/> would describe it, without creating the engine (which may not run here).</summary>
    /// <param name="threads">Intra-op threads (0: one per core).</param>
    /// <exception cref="ArgumentException">Unknown engine.</exception>
    public static DeviceFingerprint Here(string engine, int threads, int batch) =>
        DeviceFingerprint.Current(Engines.Find(engine), threads == 0 ? Environment.ProcessorCount : threads, batch);

    /// <summary>
    /// This machine's profile for the model: <see cref="AutoProfilePath"/> as it is when it already covers and
    /// calibrates the model (so runs compared with each other predict alike), else extended with the model's missing
    /// layer configurations and its calibration (measured anew when it was made on another machine or setting),
    /// saved before it is used.
    /// </summary>
    public static LatencyProfile ProfileHere(string engine, int batch, ChannelGroups groups, Func<ModelGraph> open, IJobObserver observer, CancellationToken cancellation = default)
    {
        var autoProfile = AutoProfilePath(engine, batch);
        var profileEngine = ProfileEngines.Create(engine, 0);
        var profiler = new Profiler(profileEngine, batch, new ProfilerOptions());
        var profile = profiler.NewProfile();
        if (File.Exists(autoProfile))
        {
            var existing = LatencyProfile.Load(autoProfile);
            if (existing.Device.Differences(profileEngine.Fingerprint(batch)).Count == 0 && existing.Deployment == profileEngine.Deployment) profile = existing;
            else observer.Info($"{autoProfile} was measured on another machine or setting; measuring anew");
        }

        if (Covers(profile, groups))
        {
            observer.Info($"latency profile of this machine: {autoProfile} (covers and calibrates this model; delete it to measure anew)");
            return profile;
        }

        var result = observer.WithProgress("profiling this machine", bar => profiler.Profile(profile, open,
            new SyncProgress<ProfilerProgress>(p => bar.Update($"profiling this machine: {p.Stage} {p.Detail}", p.Done, p.Total)), cancellation));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(autoProfile))!);
        profile.Save(autoProfile);
        observer.Info($"latency profile of this machine for {result.Model}: {result.Configurations.Count(c => !c.Reused)} configurations measured in {result.Seconds:F0} s, kept in {autoProfile}");
        return profile;
    }

    /// <summary>
    /// The device agent's profile for the model: its cached profile (<see cref="DeviceProfilePath"/>, shared with
    /// <c>toolchain profile --device</c>) when it covers and calibrates the model, else that profile extended by the agent
    /// with the model's missing configurations (<see cref="ProfileJob"/> with <see cref="ProfileRequest.Device"/>).
    /// </summary>
    public static LatencyProfile ProfileOnDevice(string engine, int batch, ChannelGroups groups, Func<ModelGraph> open, IRemoteDevice device, IJobObserver observer,
        CancellationToken cancellation = default)
    {
        var path = DeviceProfilePath(device.Address, engine, device.Fingerprint(engine, 0, batch).Cores, batch);
        if (File.Exists(path) && LatencyProfile.Load(path) is var existing && Covers(existing, groups))
        {
            observer.Info($"latency profile of {device.Address}: {path} (covers and calibrates this model; delete it to measure anew)");
            return existing;
        }

        var temp = Path.Combine(Path.GetTempPath(), $"toolchain-model-{Guid.NewGuid():N}.safetensors");
        try
        {
            using (var graph = open()) GraphFile.Save(graph, temp);
            var result = ProfileJob.Run(new ProfileRequest { Models = [temp], Engine = engine, Batch = batch, Output = path, Device = device }, new ProfileObserver(observer), cancellation);
            var model = result.Models.Single();
            observer.Info($"latency profile of {device.Address} for {model.Model}: {model.Configurations.Count(c => !c.Reused)} configurations measured there in {model.Seconds:F0} s, kept in {path}");
            return result.Profile;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private sealed class ProfileObserver(IJobObserver inner) : IProfileObserver
    {
        public void Info(string message) => inner.Info(message);

        public T WithProgress<T>(string title, Func<IProgressBar, T> work) => inner.WithProgress(title, work);

        public void Profiled(ProfileResult result)
        {
        }
    }

    /// <summary>
    /// Whether <paramref name="profile"/> has every layer of the model and a calibration measured on it that includes
    /// the narrowest widths (every prunable group at one channel). Calibrations made before that point was measured
    /// extrapolated into the region tight budgets land in (ResNet-20 at 28×28: a floor of 46 % of dense predicted
    /// where 12 % was measured), so they are measured again.
    /// </summary>
    public static bool Covers(LatencyProfile profile, ChannelGroups groups)
    {
        try
        {
            var narrowest = groups.Groups.Select(g => g.Prunable ? 1 : g.Channels).ToArray();
            return new LatencyPredictor(profile, groups).CalibrationSource == CalibrationSource.Measured
                   && profile.FindCalibration(groups.Graph.Name, Profiler.Topology(groups.Graph)) is { } calibration
                   && calibration.Points.Any(p => p.Widths is { } widths && widths.SequenceEqual(narrowest));
        }
        // NotSupportedException: a layer the profiler cannot time (LayerUnits names it): a MACs or params budget still runs.
        catch (Exception e) when (e is ArgumentException or InvalidDataException or KeyNotFoundException or NotSupportedException)
        {
            return false;
        }
    }
}
