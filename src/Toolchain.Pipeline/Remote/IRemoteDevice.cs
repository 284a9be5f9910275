using Toolchain.Graph;
using Toolchain.Profiling;

namespace Toolchain.Pipeline;

/// <summary>
/// A target device reached through its agent (<c>toolchain serve</c>): the measurements a job would make here, made there by
/// the same workflows, returned as they would be here with that device's fingerprint. The jobs (bench, profile, predict, the
/// pipeline) take one where the user names a device; the agent's client implements it. A job interrupted here is cancelled
/// there; an agent lost mid-job is an error that names it, and what was saved before (profiles after every model) stays.
/// </summary>
public interface IRemoteDevice
{
    /// <summary>The agent's address, e.g. http://edge-01:5117.</summary>
    Uri Address { get; }

    /// <summary>The device as <paramref name="engine"/> with <paramref name="threads"/> threads (0: one per core) at <paramref name="batch"/> would see it.</summary>
    DeviceFingerprint Fingerprint(string engine, int threads, int batch);

    /// <summary>The same measurement as <see cref="BenchJob.Run"/>, on the device.</summary>
    BenchResult Bench(BenchRequest request, IJobObserver observer, CancellationToken cancellation);

    /// <summary>
    /// Profiles the model <paramref name="open"/> opens on the device as <see cref="ProfileJob"/> does here, extending <paramref name="existingProfile"/>
    /// (a profile file's text, measured on that device) when given; the profile file's text as the profiler stores it and what it did.
    /// </summary>
    (string ProfileJson, ProfileResult Result) Profile(Func<ModelGraph> open, ProfileRequest settings, string? existingProfile, IJobObserver observer, CancellationToken cancellation);

    /// <summary><see cref="PredictJob.Measure"/> on the device: the compacted models measured there against the profile at <paramref name="profilePath"/>.</summary>
    (ValidationReport Report, DeviceFingerprint Device) Validate(PredictRequest request, string profilePath, IJobObserver observer, CancellationToken cancellation);

    /// <summary><see cref="LatencyProfiles.Recalibrate"/> on the device: the model's whole-model calibration measured there now.</summary>
    ModelCalibration Recalibrate(Func<ModelGraph> open, string engine, int batch, LatencyProfile profile, IJobObserver observer, CancellationToken cancellation);
}
