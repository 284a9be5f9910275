namespace Toolchain.Agent;

/// <summary>How a device agent serves: where it listens, the token it demands, and the limits that keep one device's timing honest.</summary>
public sealed record AgentOptions
{
    /// <summary>The default address: loopback only, so nothing reaches an agent that was not deliberately exposed (<c>--urls</c>).</summary>
    public const string DefaultUrl = "http://localhost:5117";

    /// <summary>Kestrel addresses, e.g. http://127.0.0.1:5117 or https://0.0.0.0:5117 (port 0: any free port).</summary>
    public IReadOnlyList<string> Urls { get; init; } = [DefaultUrl];

    /// <summary>The bearer token every request must carry (<see cref="Security.AccessToken"/>).</summary>
    public required string Token { get; init; }

    /// <summary>The largest model upload accepted (larger: 413).</summary>
    public long MaxUploadBytes { get; init; } = 256L << 20;

    /// <summary>Jobs that may wait behind the running one (more: 503 with Retry-After).</summary>
    public int QueueSize { get; init; } = 16;

    /// <summary>A job running longer is stopped and reported as failed (timeout).</summary>
    public TimeSpan JobTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Finished jobs kept for GET /v1/jobs/{id}; the oldest are forgotten first.</summary>
    public int RetainedJobs { get; init; } = 256;

    /// <summary>How long a stopping agent waits for the running job to reach its next safe point.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a stopping agent keeps answering after cancelling jobs, so that clients polling them see them cancelled.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <exception cref="ArgumentException">An impossible setting, named as its <c>toolchain serve</c> option.</exception>
    public void Validate()
    {
        if (Urls.Count == 0) throw new ArgumentException("--urls: give at least one address (e.g. http://127.0.0.1:5117)");
        foreach (var url in Urls)
        {
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                || uri.Scheme is not ("http" or "https"))
            {
                throw new ArgumentException($"--urls: '{url}' is not an http:// or https:// address (e.g. http://127.0.0.1:5117)");
            }
        }

        Security.AccessToken.Check(Token, "the agent's token");
        if (MaxUploadBytes < 1) throw new ArgumentException($"--max-upload-mb must be positive (got {MaxUploadBytes} bytes)");
        if (QueueSize < 0) throw new ArgumentException($"--queue-size cannot be negative (got {QueueSize})");
        if (JobTimeout <= TimeSpan.Zero) throw new ArgumentException($"--job-timeout must be positive (got {JobTimeout.TotalSeconds} s)");
        if (RetainedJobs < 1) throw new ArgumentException($"retained jobs must be at least 1 (got {RetainedJobs})");
    }
}
