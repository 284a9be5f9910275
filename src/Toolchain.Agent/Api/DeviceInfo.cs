using Toolchain.Profiling;

namespace Toolchain.Agent.Api;

/// <summary>
/// GET /v1/device: what this device is, in the terms a latency profile records it (<see cref="Fingerprint"/>: CPU, cores,
/// GPU, engine version), the toolchain version it runs, its engines, its limits and its queue.
/// </summary>
public sealed record DeviceInfo
{
    /// <summary>The API version the paths carry (/v1/…).</summary>
    public required string Api { get; init; }

    public required string ToolVersion { get; init; }

    /// <summary>The machine's host name.</summary>
    public required string Host { get; init; }

    /// <summary>The device as ONNX Runtime CPU at its default threads and batch 1 sees it (a bench result carries its own engine's).</summary>
    public required DeviceFingerprint Fingerprint { get; init; }

    /// <summary>The NVIDIA GPU and driver a GPU engine's fingerprint names, or null without one.</summary>
    public string? Gpu { get; init; }

    public string? GpuDriver { get; init; }

    public required IReadOnlyList<EngineInfo> Engines { get; init; }

    public required AgentLimits Limits { get; init; }

    public required QueueInfo Queue { get; init; }
}
