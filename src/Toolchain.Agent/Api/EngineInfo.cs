using Toolchain.Runtime;

namespace Toolchain.Agent.Api;

/// <summary>One engine of the catalogue (<see cref="Engines.All"/>) as this device sees it: whether it runs here, and if not, why.</summary>
public sealed record EngineInfo(string Name, string Summary, EngineBackend Backend, string Version, bool Deployable, bool Profilable, bool Available, string? Reason)
{
    /// <summary>Probes the host (loads ONNX Runtime and libtorch): done once when the agent starts, never while a job is timed.</summary>
    public static EngineInfo Of(EngineId engine)
    {
        var why = engine.WhyUnavailable();
        return new EngineInfo(engine.Name, engine.Summary, engine.Backend, engine.Version, engine.Deployable, engine.Profilable, why is null, why);
    }
}
