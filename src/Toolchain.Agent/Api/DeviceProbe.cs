using Toolchain.Pipeline;
using Toolchain.Profiling;
using Toolchain.Runtime;

namespace Toolchain.Agent.Api;

/// <summary>
/// The device as probed once, when the agent starts: the engines' availability (probing loads ONNX Runtime and libtorch and
/// looks for GPUs) and the machine's fingerprint. Probing again on every request could land inside a timed run.
/// </summary>
public sealed class DeviceProbe
{
    public DeviceProbe()
    {
        Engines = Runtime.Engines.All.Select(EngineInfo.Of).ToArray();
        Fingerprint = DeviceFingerprint.Current(Runtime.Engines.OrtCpu, Environment.ProcessorCount, batch: 1);
        (Gpu, GpuDriver) = HostGpu.Nvidia();
    }

    public string? Gpu { get; }

    public string? GpuDriver { get; }

    public IReadOnlyList<EngineInfo> Engines { get; }

    public DeviceFingerprint Fingerprint { get; }

    /// <summary>Null when <paramref name="engine"/> can run models here; else why not (unknown names list the known ones).</summary>
    public string? WhyNot(string engine)
    {
        var id = EngineFactory.Validate(engine);
        var info = Engines.Single(e => e.Name == id.Name);
        return info.Available ? null : $"engine {id.Name} is not available on this device ({Environment.MachineName}): {info.Reason}";
    }
}
