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
        : this(id, JobKinds.Bench, request.Name, request.Engine, upload, created, (observer, cancellation) => new JobOutput { Bench = BenchJob.Run(request, observer, cancellation) })
    {
        Settings = settings;
    }

    internal AgentJob(string id, string kind, string model, string engine, UploadedModel upload, DateTimeOffset created, Func<IProfileObserver, CancellationToken, JobOutput> work,
        ProfilingSettings? profiling = null)
    {
        Id = id;
        Kind = kind;
        Model = model;
        Engine = engine;
        Upload = upload;
        Created = created;
        Work = work;
        Profiling = profiling;
    }

    public string Id { get; }

    /// <summary>What the job does (<see cref="JobKinds"/>).</summary>
    public string Kind { get; }

    /// <summary>The model's name in the results.</summary>
    public string Model { get; }

    public string Engine { get; }

    /// <summary>A bench job's settings.</summary>
    public BenchSettings? Settings { get; }

    /// <summary>A profile, validate or recalibrate job's settings.</summary>
    public ProfilingSettings? Profiling { get; }

    /// <summary>The measurement itself: runs on the queue's thread, reports to the observer, stops when the token is cancelled.</summary>
    internal Func<IProfileObserver, CancellationToken, JobOutput> Work { get; }

    internal UploadedModel Upload { get; }

    public DateTimeOffset Created { get; }

    public JobState State { get; internal set; } = JobState.Queued;

    public DateTimeOffset? Started { get; internal set; }

    public DateTimeOffset? Finished { get; internal set; }

    public JobOutput? Output { get; internal set; }

    public ApiError? Error { get; internal set; }

    /// <summary>Cancelled by DELETE: the running measurement stops between two timed runs.</summary>
    internal CancellationTokenSource Cancellation { get; } = new();

    private volatile ProgressNow _progress = new(null, 0);

    internal void Report(string stage, double fraction) => _progress = new ProgressNow(stage, Math.Clamp(fraction, 0, 1));

    internal JobView View(int? position) => new()
    {
        Id = Id,
        Kind = Kind,
        State = State,
        Position = State == JobState.Queued ? position : null,
        Progress = State == JobState.Done ? 1 : _progress.Fraction,
        Stage = State == JobState.Running ? _progress.Stage : null,
        Model = Model,
        Settings = Settings,
        Profiling = Profiling,
        Created = Created,
        Started = Started,
        Finished = Finished,
        Result = Output?.Bench?.Benchmark,
        Nodes = Output?.Bench?.Nodes,
        Outputs = Output?.Bench?.Outputs?.Select(OutputTensor.Of).ToList(),
        Profile = Output?.Profile,
        Profiled = Output?.Profiled,
        Validation = Output?.Validation,
        Calibration = Output?.Calibration,
        Fingerprint = Output?.Fingerprint,
        Error = Error,
    };

    private sealed record ProgressNow(string? Stage, double Fraction);
}

/// <summary>The kinds of job an agent runs, as <see cref="JobView.Kind"/> names them.</summary>
public static class JobKinds
{
    public const string Bench = "bench";
    public const string Profile = "profile";
    public const string Validate = "validate";
    public const string Recalibrate = "recalibrate";
}
