using Toolchain.Torch.Interop;

namespace Toolchain.Torch;

/// <summary>Process-wide settings of the libtorch runtime behind the shim.</summary>
public static class Libtorch
{
    /// <summary>libtorch's version, e.g. "1.13.1".</summary>
    public static string Version => TorchInterop.TorchVersion();

    /// <summary>Intra-op threads. Set to the machine's core count when the shim loads.</summary>
    public static int Threads
    {
        get => TorchInterop.GetNumThreads();
        set => TorchInterop.SetNumThreads(value);
    }

    /// <summary>Native tensors alive right now, across the process: a leak shows here.</summary>
    public static long LiveTensors => TorchInterop.LiveTensorCount();

    public static int CudaDeviceCount => TorchInterop.CudaDeviceCount();

    public static bool CudaIsAvailable => CudaDeviceCount > 0;

    /// <summary>Seeds libtorch's global generators (CPU and CUDA).</summary>
    public static void ManualSeed(ulong seed) => TorchInterop.ManualSeed(seed);

    public static bool IsGradEnabled => TorchInterop.IsGradEnabled();

    /// <summary>Disables gradient recording on this thread until the returned scope is disposed.</summary>
    public static GradModeScope NoGrad() => new(TorchInterop.SetGradEnabled(false));

    /// <summary>Enables gradient recording on this thread until the returned scope is disposed.</summary>
    public static GradModeScope EnableGrad() => new(TorchInterop.SetGradEnabled(true));
}

/// <summary>Restores the previous gradient mode when disposed.</summary>
public readonly struct GradModeScope(bool previous) : IDisposable
{
    public void Dispose() => TorchInterop.SetGradEnabled(previous);
}
