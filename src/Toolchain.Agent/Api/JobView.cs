using Toolchain.Pipeline;

namespace Toolchain.Agent.Api;

/// <summary>
/// A job as GET /v1/jobs/{id} shows it: its state, its place in the queue, its progress, and when finished the same result
/// <c>toolchain bench --json</c> prints (<see cref="Result"/>, with <see cref="Nodes"/> for --per-node) or the error.
/// </summary>
public sealed record JobView
{
    public required string Id { get; init; }

    /// <summary>What the job does: "bench".</summary>
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

    public required BenchSettings Settings { get; init; }

    public required DateTimeOffset Created { get; init; }

    public DateTimeOffset? Started { get; init; }

    public DateTimeOffset? Finished { get; init; }

    public BenchRecord? Result { get; init; }

    public NodesRecord? Nodes { get; init; }

    public ApiError? Error { get; init; }

    public bool IsFinished => State is JobState.Done or JobState.Failed or JobState.Cancelled;
}
