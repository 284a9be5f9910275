using Toolchain.Profiling;
using Toolchain.Runtime;

namespace Toolchain.Pipeline.Tests;

/// <summary>
/// The engine catalogue (<see cref="Engines"/>) is the one source of engine names: the lists the commands accept derive
/// from it, and every entry either runs on this host or says why not — on the CPU test machine the GPU engines take the
/// second path, on a GPU machine with the GPU build the first.
/// </summary>
public sealed class EngineCatalogueTests
{
    public static IEnumerable<object[]> DeployableNames => Engines.Deployable.Select(e => new object[] { e.Name });

    public static IEnumerable<object[]> ProfilableNames => Engines.Profilable.Select(e => new object[] { e.Name });

    [Fact]
    public void Lists_DeriveFromTheCatalogue_WithThePublicNamesUnchanged()
    {
        Assert.Equal(["ort-cpu", "ort-cuda", "ort-tensorrt", "torch", "torch-cuda"], Engines.All.Select(e => e.Name));
        Assert.Equal(Engines.All.Where(e => e.Deployable).Select(e => e.Name), EngineFactory.Names);
        Assert.Equal(Engines.All.Where(e => e.Profilable).Select(e => e.Name), ProfileEngines.Names);
        // Profiles, scripts and CI configs store these strings.
        Assert.Equal(["ort-cpu", "ort-cuda", "ort-tensorrt", "torch"], EngineFactory.Names);
        Assert.Equal(["ort-cpu", "torch", "torch-cuda"], ProfileEngines.Names);

        foreach (var engine in Engines.All)
        {
            Assert.Same(engine, Engines.Find(engine.Name));
            Assert.Equal(engine.Backend == EngineBackend.OnnxRuntime, engine.Provider is not null);
            Assert.Equal(engine.Backend == EngineBackend.Libtorch, engine.TorchDevice is not null);
            Assert.Equal(engine.Deployable, EngineFactory.Description.Contains($"{engine.Name} ({engine.Summary})", StringComparison.Ordinal));
        }

        foreach (var provider in Enum.GetValues<ExecutionProvider>()) Assert.Equal(provider, Engines.Of(provider).Provider);
        Assert.Equal(["ort-cuda", "ort-tensorrt", "torch-cuda"], Engines.All.Where(e => e.OnGpu).Select(e => e.Name));
    }

    [Theory]
    [MemberData(nameof(DeployableNames))]
    public void EveryDeployableEngine_RunsHereOrSaysWhyNot(string name)
    {
        var engine = Engines.Find(name);
        if (engine.WhyUnavailable() is { } why)
        {
            Assert.False(string.IsNullOrWhiteSpace(why));
            Assert.Equal(why, Assert.Throws<NotSupportedException>(() => EngineFactory.Creator(name, "resnet20", threads: 1)).Message);
            return;
        }

        using var created = EngineFactory.Creator(name, "resnet20", threads: 1)();
        Assert.Equal(name, created.Name);
        Assert.Equal(engine.Backend == EngineBackend.OnnxRuntime, created is OrtEngine);
    }

    [Theory]
    [MemberData(nameof(ProfilableNames))]
    public void EveryProfilableEngine_ProfilesHereOrSaysWhyNot(string name)
    {
        var engine = Engines.Find(name);
        if (engine.WhyUnavailable() is { } why)
        {
            Assert.Contains(name, why);
            Assert.Equal(why, Assert.Throws<NotSupportedException>(() => ProfileEngines.Create(name)).Message);
            return;
        }

        var profiled = ProfileEngines.Create(name);
        Assert.Same(engine, profiled.Engine);
        var fingerprint = profiled.Fingerprint(1);
        Assert.Equal(name, fingerprint.Engine);
        Assert.Equal(engine.Version, fingerprint.EngineVersion);
        // What a prediction compares a profile with, without creating the engine, is what the engine itself reports.
        Assert.Equal(fingerprint, LatencyProfiles.Here(name, 0, 1) with { Date = fingerprint.Date });
    }

    [Fact]
    public void UnknownOrMisusedNames_SayWhichNamesWork()
    {
        Assert.Equal("unknown engine 'tpu' (known: ort-cpu, ort-cuda, ort-tensorrt, torch)", Assert.Throws<ArgumentException>(() => EngineFactory.Validate("tpu")).Message);
        Assert.Equal("unknown engine 'tpu' (known: ort-cpu, torch, torch-cuda)", Assert.Throws<ArgumentException>(() => ProfileEngines.Create("tpu")).Message);
        Assert.Equal("unknown engine 'tpu' (known: ort-cpu, ort-cuda, ort-tensorrt, torch, torch-cuda)", Assert.Throws<ArgumentException>(() => LatencyProfiles.Here("tpu", 0, 1)).Message);
        Assert.Equal("engine 'torch-cuda' cannot run models (those that can: ort-cpu, ort-cuda, ort-tensorrt, torch)",
            Assert.Throws<ArgumentException>(() => EngineFactory.Creator("torch-cuda", "resnet20", 1)).Message);
        Assert.Equal("engine 'ort-cuda' cannot be profiled (those that can: ort-cpu, torch, torch-cuda)", Assert.Throws<ArgumentException>(() => ProfileEngines.Create("ort-cuda")).Message);
    }
}
