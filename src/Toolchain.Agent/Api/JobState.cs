namespace Toolchain.Agent.Api;

/// <summary>Where a job is: waiting, running (one at a time), or finished one of three ways.</summary>
public enum JobState
{
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}
