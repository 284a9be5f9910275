using Toolchain.Agent.Api;
using Toolchain.Agent.Uploads;
using Toolchain.Pipeline;

namespace Toolchain.Agent.Jobs;

/// <summary>
/// One job of the queue: its request, its uploaded model and what has become of it. Its state changes under the queue's
/// lock; progress is written by the job's thread alone and read by anyone.
/// </summary>
public sealed class AgentJob
{
    internal AgentJob(string id, BenchSettings settings, BenchRequest request, UploadedModel upload, DateTimeOffset created)
    {
        Id = id;
        Settings = settings;
        Request = request;
        Upload = upload;
        Created = created;
    }

    public string Id { get; }

    public BenchSettings Settings { get; }

    public BenchRequest Request { get; }

    internal UploadedModel Upload { get; }

    public DateTimeOffset Created { get; }

    public JobState State { get; internal set; } = JobState.Queued;

    public DateTimeOffset? Started { get; internal set; }

    public DateTimeOffset? Finished { get; internal set; }

    public BenchResult? Result { get; internal set; }

    public ApiError? Error { get; internal set; }

    /// <summary>Cancelled by DELETE: the running measurement stops between two timed runs.</summary>
    internal CancellationTokenSource Cancellation { get; } = new();

    private volatile ProgressNow _progress = new(null, 0);

    internal void Report(string stage, double fraction) => _progress = new ProgressNow(stage, Math.Clamp(fraction, 0, 1));

    internal JobView View(int? position) => new()
    {
        Id = Id,
        Kind = "bench",
        State = State,
        Position = State == JobState.Queued ? position : null,
        Progress = State == JobState.Done ? 1 : _progress.Fraction,
        Stage = State == JobState.Running ? _progress.Stage : null,
        Model = Request.Name,
        Settings = Settings,
        Created = Created,
        Started = Started,
        Finished = Finished,
        Result = Result?.Benchmark,
        Nodes = Result?.Nodes,
        Error = Error,
    };

    private sealed record ProgressNow(string? Stage, double Fraction);
}
