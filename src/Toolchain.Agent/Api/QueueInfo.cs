namespace Toolchain.Agent.Api;

/// <summary>The queue now: the running job (null when idle) and how many wait.</summary>
public sealed record QueueInfo(string? Running, int Waiting);
