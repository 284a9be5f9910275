namespace Toolchain.Agent.Client;

/// <summary>Why a call to a device agent did not give what was asked.</summary>
public enum AgentFailure
{
    /// <summary>No connection (refused, unknown host, timed out) after the retries.</summary>
    Unreachable,

    /// <summary>401: missing or wrong token.</summary>
    Unauthorized,

    /// <summary>The agent runs another toolchain version or API.</summary>
    VersionMismatch,

    /// <summary>400/404/413: the agent refused the request (settings, model, size, unknown job).</summary>
    Refused,

    /// <summary>503: the queue stayed full (or the agent is stopping) through the retries.</summary>
    Busy,

    /// <summary>The job ran and failed on its input, ran past the timeout or was cancelled on the agent.</summary>
    JobFailed,

    /// <summary>
    /// The agent went away (died, was killed or restarted) while the job was queued or running there: the job and its result
    /// are gone; submitting it again once the agent is back is safe.
    /// </summary>
    JobLost,

    /// <summary>The job failed on a bug in the tool, or the agent answered 5xx.</summary>
    Internal,
}
