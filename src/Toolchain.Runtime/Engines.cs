using Toolchain.Torch;

namespace Toolchain.Runtime;

/// <summary>What executes an engine's kernels.</summary>
public enum EngineBackend
{
    OnnxRuntime,
    Libtorch,
}

/// <summary>
/// One engine as every layer names it: the --engine value, the profile fingerprint's engine and the name an
/// <see cref="IInferenceEngine"/> reports are all <see cref="Name"/>. Instances live in <see cref="Engines"/> only.
/// </summary>
public sealed record EngineId
{
    /// <summary>The public name, e.g. ort-cpu; profiles and scripts store it, so it never changes.</summary>
    public required string Name { get; init; }

    /// <summary>A few words for --help: what runs the model and where.</summary>
    public required string Summary { get; init; }

    public required EngineBackend Backend { get; init; }

    /// <summary>The ONNX Runtime execution provider; null for libtorch.</summary>
    public ExecutionProvider? Provider { get; init; }

    /// <summary>The libtorch device; null for ONNX Runtime.</summary>
    public DeviceKind? TorchDevice { get; init; }

    /// <summary>Whether infer, bench and the pipeline can run a model on it (<see cref="Engines.Deployable"/>).</summary>
    public bool Deployable { get; init; }

    /// <summary>Whether the latency profiler knows it as a target (<see cref="Engines.Profilable"/>); it may still be unavailable here.</summary>
    public bool Profilable { get; init; }

    /// <summary>Whether it runs on a GPU: its fingerprint then records the GPU and driver.</summary>
    public bool OnGpu => Provider is ExecutionProvider.Cuda or ExecutionProvider.TensorRt || TorchDevice == DeviceKind.Cuda;

    /// <summary>The loaded library's version (ONNX Runtime or libtorch), as a profile's fingerprint records it.</summary>
    public string Version => Backend == EngineBackend.OnnxRuntime ? OrtRuntime.Version : Libtorch.Version;

    /// <summary>
    /// Null when the engine can run on this host; otherwise why not and what to do. Probes the host each time (loads
    /// ONNX Runtime or libtorch), so it is asked when an engine is about to be used, not when listing names.
    /// </summary>
    public string? WhyUnavailable() => Backend switch
    {
        EngineBackend.OnnxRuntime => ProviderAvailability.Check(Provider!.Value),
        _ when TorchDevice == DeviceKind.Cuda => TorchCudaUnavailable(),
        _ => null, // libtorch on the CPU: the native shim loads or every torch call says why it did not
    };

    /// <summary>
    /// The shim has no CUDA events yet and <see cref="TorchEngine"/> runs on the CPU only, so torch-cuda never runs;
    /// the reason tells a machine without CUDA from one whose libtorch lacks it and one where only the shim is missing.
    /// </summary>
    private string TorchCudaUnavailable()
    {
        var (gpu, driver) = HostGpu.Nvidia();
        var instead = $"profile {Engines.OrtCpu.Name} or {Engines.Torch.Name} instead";
        if (!Libtorch.CudaIsAvailable)
        {
            return $"{Name}: libtorch reports no CUDA device on this machine" +
                   (gpu is null ? " (and no NVIDIA driver is loaded)" : $" although the NVIDIA driver {driver} sees {gpu}: the native shim is built against a CPU-only libtorch; rebuild it against a CUDA libtorch") +
                   $"; {instead}";
        }

        return $"{Name}: {gpu ?? "a CUDA device"} is present, but timing layers on it needs CUDA events, which the native shim does not export yet; {instead}";
    }

    public override string ToString() => Name;
}

/// <summary>
/// The one catalogue of engines. The --engine options, <c>EngineFactory</c>, the profiler's engines and profile
/// fingerprints all take their names, versions and availability from here, so adding an engine is one entry.
/// </summary>
public static class Engines
{
    public static EngineId OrtCpu { get; } = new()
    {
        Name = "ort-cpu", Summary = "ONNX Runtime, CPU", Backend = EngineBackend.OnnxRuntime, Provider = ExecutionProvider.Cpu, Deployable = true, Profilable = true,
    };

    public static EngineId OrtCuda { get; } = new()
    {
        Name = "ort-cuda", Summary = "ONNX Runtime, CUDA; needs the GPU build and CUDA libraries", Backend = EngineBackend.OnnxRuntime, Provider = ExecutionProvider.Cuda,
        Deployable = true,
    };

    public static EngineId OrtTensorRt { get; } = new()
    {
        Name = "ort-tensorrt", Summary = "ONNX Runtime, TensorRT; needs the GPU build and TensorRT libraries", Backend = EngineBackend.OnnxRuntime,
        Provider = ExecutionProvider.TensorRt, Deployable = true,
    };

    public static EngineId Torch { get; } = new()
    {
        Name = "torch", Summary = "libtorch executor, CPU", Backend = EngineBackend.Libtorch, TorchDevice = DeviceKind.Cpu, Deployable = true, Profilable = true,
    };

    public static EngineId TorchCuda { get; } = new()
    {
        Name = "torch-cuda", Summary = "libtorch on a CUDA GPU; not supported by the native shim yet", Backend = EngineBackend.Libtorch, TorchDevice = DeviceKind.Cuda,
        Profilable = true,
    };

    // Declared after the entries: static initialisers run in text order.
    public static IReadOnlyList<EngineId> All { get; } = [OrtCpu, OrtCuda, OrtTensorRt, Torch, TorchCuda];

    /// <summary>The engines infer, bench and the pipeline create (<c>EngineFactory</c>).</summary>
    public static IReadOnlyList<EngineId> Deployable { get; } = All.Where(e => e.Deployable).ToArray();

    /// <summary>The engines the latency profiler targets (<c>ProfileEngines</c>).</summary>
    public static IReadOnlyList<EngineId> Profilable { get; } = All.Where(e => e.Profilable).ToArray();

    /// <summary>The engine <paramref name="name"/> of the whole catalogue.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static EngineId Find(string name) => Find(name, All, purpose: "be used"); // every catalogued name is found, so the purpose never shows

    public static EngineId FindDeployable(string name) => Find(name, Deployable, "run models");

    public static EngineId FindProfilable(string name) => Find(name, Profilable, "be profiled");

    /// <summary>The ONNX Runtime engine that runs on <paramref name="provider"/>.</summary>
    public static EngineId Of(ExecutionProvider provider) =>
        All.FirstOrDefault(e => e.Provider == provider) ?? throw new ArgumentOutOfRangeException(nameof(provider), provider, "unknown execution provider");

    /// <summary>"ort-cpu (ONNX Runtime, CPU), …" for an option's description.</summary>
    public static string Describe(IEnumerable<EngineId> engines) => string.Join(", ", engines.Select(e => $"{e.Name} ({e.Summary})"));

    /// <summary>
    /// The one place a name is checked: unknown names and names of engines that cannot do what is asked
    /// (<paramref name="purpose"/>, e.g. "be profiled") both list the names that would have worked.
    /// </summary>
    private static EngineId Find(string name, IReadOnlyList<EngineId> among, string purpose)
    {
        var found = among.FirstOrDefault(e => e.Name == name);
        if (found is not null) return found;
        var names = string.Join(", ", among);
        throw new ArgumentException(All.Any(e => e.Name == name)
            ? $"engine '{name}' cannot {purpose} (those that can: {names})"
            : $"unknown engine '{name}' (known: {names})");
    }
}
