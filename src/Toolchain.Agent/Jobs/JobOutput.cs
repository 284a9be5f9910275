using System.Text.Json;
using Toolchain.Pipeline;
using Toolchain.Profiling;

namespace Toolchain.Agent.Jobs;

/// <summary>What a finished job returns; each kind fills its own part.</summary>
public sealed record JobOutput
{
    /// <summary>bench: the record <c>bench --json</c> prints, with the nodes for perNode.</summary>
    public BenchResult? Bench { get; init; }

    /// <summary>profile: the profile file exactly as the local profiler stores it.</summary>
    public JsonElement? Profile { get; init; }

    /// <summary>profile: what profiling each model did.</summary>
    public IReadOnlyList<ProfileResult>? Profiled { get; init; }

    /// <summary>validate: predicted against measured.</summary>
    public ValidationReport? Validation { get; init; }

    /// <summary>recalibrate: the whole-model calibration measured now.</summary>
    public ModelCalibration? Calibration { get; init; }

    /// <summary>profile, validate, recalibrate: the device as the engine that measured saw it.</summary>
    public DeviceFingerprint? Fingerprint { get; init; }
}
