using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Toolchain.Agent.Api;
using Toolchain.Agent.Uploads;
using Toolchain.Pipeline;

namespace Toolchain.Agent.Jobs;

/// <summary>
/// The device's one worker. Jobs wait in order (at most <see cref="AgentOptions.QueueSize"/>) and run one at a time on a
/// dedicated thread: a second measurement running beside the first would change what the first measures. A job that
/// throws, times out or is cancelled ends as failed or cancelled and the worker takes the next; the agent stays up. When
/// the host stops, the running job is cancelled at its next safe point and the waiting ones are answered as cancelled.
/// </summary>
public sealed class JobQueue(AgentOptions options, ILogger<JobQueue> logger, TimeProvider clock) : BackgroundService
{
    private readonly object _sync = new();
    private readonly LinkedList<AgentJob> _waiting = new();
    private readonly Dictionary<string, AgentJob> _jobs = new(StringComparer.Ordinal);
    private readonly Queue<AgentJob> _finished = new();
    private readonly List<RunInterval> _history = [];
    private readonly SemaphoreSlim _wake = new(0);
    private AgentJob? _running;
    private bool _stopping;
    private int _runningNow;
    private int _cancelledByStop;
    private bool _graceGiven;
    private int _mostAtOnce;

    /// <summary>Every run so far, in order, on the monotonic clock.</summary>
    public IReadOnlyList<RunInterval> History
    {
        get
        {
            lock (_sync) return _history.ToArray();
        }
    }

    /// <summary>The most jobs ever running at the same moment (counted where they run): 1, by design.</summary>
    public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

    public QueueInfo Now()
    {
        lock (_sync) return new QueueInfo(_running?.Id, _waiting.Count);
    }

    /// <summary>Whether a job would be accepted now: checked before an upload is read, so a full queue costs no transfer.</summary>
    public string? WhyNoRoom()
    {
        lock (_sync) return RefuseReason();
    }

    /// <summary>Queues a job; its position is <see cref="JobView.Position"/> of the view returned.</summary>
    /// <exception cref="QueueFullException">No room, or the agent is stopping.</exception>
    public JobView Enqueue(BenchSettings settings, BenchRequest request, UploadedModel upload) =>
        Enqueue((id, created) => new AgentJob(id, settings, request, upload, created));

    /// <summary>Queues the job <paramref name="create"/> makes for a fresh id.</summary>
    /// <exception cref="QueueFullException">No room, or the agent is stopping.</exception>
    internal JobView Enqueue(Func<string, DateTimeOffset, AgentJob> create)
    {
        AgentJob job;
        int position;
        lock (_sync)
        {
            if (RefuseReason() is { } why) throw new QueueFullException(why, _stopping);
            job = create(Guid.NewGuid().ToString("N")[..16], clock.GetUtcNow());
            _jobs[job.Id] = job;
            _waiting.AddLast(job);
            position = _waiting.Count;
        }

        logger.LogInformation("job {Id} queued at position {Position}: {Kind} {Model} on {Engine}", job.Id, position, job.Kind, job.Model, job.Engine);
        _wake.Release();
        return job.View(position);
    }

    public JobView? Find(string id)
    {
        lock (_sync) return _jobs.TryGetValue(id, out var job) ? job.View(PositionOf(job)) : null;
    }

    /// <summary>
    /// Cancels a job: a waiting one leaves the queue at once, the running one stops between two timed runs (its view says
    /// running until then), a finished one stays as it ended. Null for an unknown id.
    /// </summary>
    public JobView? Cancel(string id)
    {
        AgentJob? job;
        lock (_sync)
        {
            if (!_jobs.TryGetValue(id, out job)) return null;
            if (job.State == JobState.Queued)
            {
                _waiting.Remove(job);
                Finish(job, JobState.Cancelled, new ApiError(ApiError.Cancelled, "cancelled before it started (DELETE)"));
                logger.LogInformation("job {Id} cancelled while queued", id);
                return job.View(null);
            }

            if (job.State == JobState.Running)
            {
                // Under the lock: the job cannot finish between the check and the cancellation.
                logger.LogInformation("job {Id}: cancelling the running measurement", id);
                job.Cancellation.Cancel();
            }

            return job.View(PositionOf(job));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                await _wake.WaitAsync(stoppingToken);
                AgentJob? job;
                lock (_sync)
                {
                    job = _waiting.First?.Value;
                    if (job is null) continue; // cancelled while it waited
                    _waiting.RemoveFirst();
                    _running = job;
                    job.State = JobState.Running;
                    job.Started = clock.GetUtcNow();
                }

                // A thread of its own: the measurement blocks for its whole length and must not borrow a pool thread from
                // the requests that poll it.
                await Task.Factory.StartNew(() => Execute(job, stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            List<AgentJob> left;
            lock (_sync)
            {
                _stopping = true;
                left = [.. _waiting];
                _waiting.Clear();
                foreach (var job in left) Finish(job, JobState.Cancelled, new ApiError(ApiError.Cancelled, "the agent stopped before the job started; submit it again"));
                _cancelledByStop += left.Count;
            }

            if (left.Count > 0) logger.LogInformation("stopping: {Count} waiting job(s) cancelled", left.Count);
        }
    }

    /// <summary>
    /// Stops taking jobs, cancels the running one (through the stopping token) and the waiting ones, then keeps the API up a
    /// moment longer when it cancelled any (<see cref="AgentOptions.ShutdownGrace"/>): <see cref="AgentHost.StopAsync"/> stops
    /// this service before Kestrel, so clients polling those jobs learn that they were cancelled instead of finding the agent gone.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_sync) _stopping = true;
        await base.StopAsync(cancellationToken);
        lock (_sync)
        {
            // Stopped twice (by its owner, then by the host): the grace is given once.
            if (_cancelledByStop == 0 || _graceGiven) return;
            _graceGiven = true;
        }

        try
        {
            await Task.Delay(options.ShutdownGrace, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // the host's shutdown timeout ran out first
        }
    }

    private void Execute(AgentJob job, CancellationToken stopping)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(stopping, job.Cancellation.Token);
        cancellation.CancelAfter(options.JobTimeout);
        var atOnce = Interlocked.Increment(ref _runningNow);
        InterlockedMax(ref _mostAtOnce, atOnce);
        var start = Stopwatch.GetTimestamp();
        logger.LogInformation("job {Id} started: {Kind} {Model} on {Engine}", job.Id, job.Kind, job.Model, job.Engine);
        JobState state;
        ApiError? error = null;
        JobOutput? result = null;
        try
        {
            result = job.Work(new Observer(job, logger), cancellation.Token);
            state = JobState.Done;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            (state, error) = job.Cancellation.IsCancellationRequested ? (JobState.Cancelled, new ApiError(ApiError.Cancelled, "cancelled while running (DELETE)"))
                : stopping.IsCancellationRequested ? (JobState.Cancelled, new ApiError(ApiError.Cancelled, "the agent stopped while the job ran; submit it again when it is back"))
                : (JobState.Failed, new ApiError(ApiError.Timeout, $"the job ran past the agent's job timeout of {options.JobTimeout.TotalSeconds:0.#} s (toolchain serve --job-timeout); measure fewer runs or a shorter --duration"));
        }
        catch (Exception e)
        {
            // Whatever a job throws ends that job only. Bad input is the user's (a local bench exits 3); anything else is a bug.
            var badInput = Failures.IsBadInput(e);
            var message = job.Upload.Redact(e.Message);
            (state, error) = (JobState.Failed, new ApiError(badInput ? ApiError.BadInput : ApiError.Internal, badInput ? message : $"internal error: {job.Upload.Redact(e.ToString())}"));
            if (badInput) logger.LogWarning("job {Id} failed: {Message}", job.Id, message);
            else logger.LogError(e, "job {Id} failed with an internal error", job.Id);
        }
        finally
        {
            var end = Stopwatch.GetTimestamp();
            Interlocked.Decrement(ref _runningNow);
            lock (_sync) _history.Add(new RunInterval(job.Id, start, end));
        }

        lock (_sync)
        {
            _running = null;
            job.Output = result; // with the state, under the lock: nobody sees a result on a job still running
            Finish(job, state, error);
            if (state == JobState.Cancelled && stopping.IsCancellationRequested && !job.Cancellation.IsCancellationRequested) _cancelledByStop++;
        }

        logger.LogInformation("job {Id} {State} after {Seconds:0.0} s", job.Id, state.ToString().ToLowerInvariant(), Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>Ends a job (under the lock): its upload is deleted, and the oldest finished jobs beyond the retention are forgotten.</summary>
    private void Finish(AgentJob job, JobState state, ApiError? error)
    {
        job.State = state;
        job.Error = error;
        job.Finished = clock.GetUtcNow();
        job.Upload.Dispose();
        _finished.Enqueue(job);
        while (_finished.Count > options.RetainedJobs) _jobs.Remove(_finished.Dequeue().Id);
    }

    private string? RefuseReason() =>
        _stopping ? "the agent is shutting down"
        : _waiting.Count >= options.QueueSize ? $"the queue is full ({_waiting.Count} job(s) waiting, at most {options.QueueSize}: toolchain serve --queue-size); try again later"
        : null;

    private int? PositionOf(AgentJob job)
    {
        if (job.State != JobState.Queued) return null;
        var position = 1;
        for (var node = _waiting.First; node is not null; node = node.Next, position++)
        {
            if (ReferenceEquals(node.Value, job)) return position;
        }

        return null;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    /// <summary>The job's progress, as GET /v1/jobs/{id} shows it; its prose goes to the agent's log.</summary>
    private sealed class Observer(AgentJob job, ILogger logger) : IProfileObserver
    {
        public void Profiled(Profiling.ProfileResult result) => logger.LogInformation("job {Id}: {Model} profiled ({Configurations} configurations)", job.Id, result.Model, result.Configurations.Count);

        public void Info(string message) => logger.LogInformation("job {Id}: {Message}", job.Id, job.Upload.Redact(message));

        public T WithProgress<T>(string title, Func<IProgressBar, T> work)
        {
            job.Report(job.Upload.Redact(title), 0);
            return work(new Bar(job));
        }

        private sealed class Bar(AgentJob job) : IProgressBar
        {
            public void Update(string description, double completed, double total) => job.Report(job.Upload.Redact(description), total > 0 ? completed / total : 0);
        }
    }
}
