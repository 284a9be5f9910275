using System.Text.Json;
using Toolchain.Pipeline;
using Toolchain.Profiling;

namespace Toolchain.Agent.Api;

/// <summary>
/// A job as GET /v1/jobs/{id} shows it: its state, its place in the queue, its progress, and when finished the same result
/// <c>toolchain bench --json</c> prints (<see cref="Result"/>, with <see cref="Nodes"/> for --per-node) or the error.
/// </summary>
public sealed record JobView
{
    public required string Id { get; init; }

    /// <summary>What the job does: "bench", "profile", "validate" or "recalibrate".</summary>
    public required string Kind { get; init; }

    public required JobState State { get; init; }

    /// <summary>1 for the next job to run; null unless queued.</summary>
    public int? Position { get; init; }

    /// <summary>Fraction of the current stage done, 0…1.</summary>
    public double Progress { get; init; }

    /// <summary>The stage running, e.g. "benchmarking ort-cpu".</summary>
    public string? Stage { get; init; }

    /// <summary>The model's name in the results.</summary>
    public required string Model { get; init; }

    /// <summary>A bench job's settings.</summary>
    public BenchSettings? Settings { get; init; }

    /// <summary>A profile, validate or recalibrate job's settings.</summary>
    public ProfilingSettings? Profiling { get; init; }

    public required DateTimeOffset Created { get; init; }

    public DateTimeOffset? Started { get; init; }

    public DateTimeOffset? Finished { get; init; }

    public BenchRecord? Result { get; init; }

    public NodesRecord? Nodes { get; init; }

    /// <summary>bench with a parity input: the model's outputs on it, from the measured session, each as a .npy file (base64 in JSON).</summary>
    public IReadOnlyList<OutputTensor>? Outputs { get; init; }

    /// <summary>profile: the latency profile file exactly as the local profiler stores it (the device's fingerprint inside).</summary>
    public JsonElement? Profile { get; init; }

    /// <summary>profile: what profiling each model did (configurations measured or reused, the calibration).</summary>
    public IReadOnlyList<ProfileResult>? Profiled { get; init; }

    /// <summary>validate: the compacted models predicted against measured on the device.</summary>
    public ValidationReport? Validation { get; init; }

    /// <summary>recalibrate: the model's whole-model calibration measured now on the device.</summary>
    public ModelCalibration? Calibration { get; init; }

    /// <summary>profile, validate, recalibrate: the device as the measuring engine saw it.</summary>
    public DeviceFingerprint? Fingerprint { get; init; }

    public ApiError? Error { get; init; }

    public bool IsFinished => State is JobState.Done or JobState.Failed or JobState.Cancelled;
}
