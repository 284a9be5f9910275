using Toolchain.Profiling;
using Toolchain.Runtime;

namespace Toolchain.Pipeline;

/// <summary>What <see cref="ProfileJob"/> measures: the models' layer configurations on an engine at a batch size, into a profile file.</summary>
public sealed record ProfileRequest
{
    /// <summary>Zoo names, graph files, checkpoints or .onnx files.</summary>
    public required IReadOnlyList<string> Models { get; init; }

    /// <summary>The engine to profile (<see cref="ProfileEngines.Names"/>).</summary>
    public string Engine { get; init; } = Engines.OrtCpu.Name;

    public int Batch { get; init; } = 1;

    /// <summary>The profile to write or extend; null: <see cref="ProfileLocator.DefaultOutput"/> for the engine and batch.</summary>
    public string? Output { get; init; }

    /// <summary>Intra-op threads, as deployed (0: one per core).</summary>
    public int Threads { get; init; }

    public ProfilerOptions Options { get; init; } = new();

    /// <summary>Start the profile anew instead of extending an existing file.</summary>
    public bool Replace { get; init; }

    /// <summary>
    /// Measure on this device agent instead of here; the profile is cached per device
    /// (<see cref="LatencyProfiles.DeviceProfilePath"/>) unless <see cref="Output"/> names a file.
    /// </summary>
    public IRemoteDevice? Device { get; init; }
}
