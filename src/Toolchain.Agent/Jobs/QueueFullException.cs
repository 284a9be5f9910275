namespace Toolchain.Agent.Jobs;

/// <summary>The queue has no room (or the agent is stopping): answered 503 with Retry-After.</summary>
public sealed class QueueFullException(string message, bool shuttingDown) : Exception(message)
{
    public bool ShuttingDown { get; } = shuttingDown;
}
