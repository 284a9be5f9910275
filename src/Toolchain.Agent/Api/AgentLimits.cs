namespace Toolchain.Agent.Api;

/// <summary>What the agent accepts: upload size, queue length, job time.</summary>
public sealed record AgentLimits(long MaxUploadBytes, int QueueSize, double JobTimeoutSeconds);
