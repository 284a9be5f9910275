namespace Toolchain.Agent.Api;

/// <summary>
/// Every error the API answers, and a failed job's reason: a <see cref="Kind"/> a program can branch on and a message for people
/// (naming the file, the setting and what to do, like the command line's errors).
/// </summary>
public sealed record ApiError(string Kind, string Message)
{
    public const string Unauthorized = "unauthorized";
    public const string BadRequest = "bad-request";
    public const string TooLarge = "too-large";
    public const string NotFound = "not-found";
    public const string QueueFull = "queue-full";
    public const string ShuttingDown = "shutting-down";

    /// <summary>A job failed on its input (corrupt model, impossible setting): a local bench would have exited 3.</summary>
    public const string BadInput = "bad-input";

    /// <summary>A job failed on a bug in the tool: a local bench would have exited 1.</summary>
    public const string Internal = "internal";

    /// <summary>A job ran past the agent's --job-timeout.</summary>
    public const string Timeout = "timeout";

    /// <summary>A job was cancelled (DELETE) or the agent stopped before it finished.</summary>
    public const string Cancelled = "cancelled";
}
