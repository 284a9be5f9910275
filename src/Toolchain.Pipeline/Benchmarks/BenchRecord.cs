using Toolchain.Profiling;
using Toolchain.Runtime;

namespace Toolchain.Pipeline;

/// <summary>
/// The record <c>toolchain bench --json</c> prints and a device agent's bench job returns: one schema wherever the model was
/// measured, so a build pipeline reads a remote result as it reads a local one. <see cref="Device"/> says where it was measured.
/// </summary>
public sealed record BenchRecord
{
    public string Type => "benchmark";

    /// <summary>The model as the user named it.</summary>
    public required string Model { get; init; }

    /// <summary>The input shape fed, N×C×H×W.</summary>
    public required long[] Input { get; init; }

    public required BenchmarkReport Report { get; init; }

    /// <summary>The machine and engine that measured it, as a latency profile records them.</summary>
    public required DeviceFingerprint Device { get; init; }

    /// <summary>The device agent's address when measured remotely (<c>bench --device URL</c>); null when measured here.</summary>
    public string? Agent { get; init; }

    /// <summary>
    /// <c>bench --device</c>: the device's outputs against ONNX Runtime's CPU engine here on the same seeded input; null when
    /// measured here or not checked (--no-parity).
    /// </summary>
    public ParityRecord? Parity { get; init; }
}
