using System.Runtime.InteropServices;

namespace Toolchain.Runtime;

/// <summary>
/// Whether the loaded ONNX Runtime can use a GPU execution provider: it must be compiled in (GetAvailableProviders),
/// its provider library must sit next to libonnxruntime (ONNX Runtime loads it from there when the provider is added),
/// and the CUDA / TensorRT libraries that provider library needs must load on this host.
/// </summary>
internal static class ProviderAvailability
{
    /// <summary>
    /// What each GPU provider library of ONNX Runtime 1.31 (Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31.0) links against
    /// beyond glibc and libstdc++ (readelf -d, its NEEDED entries): the NVIDIA driver and CUDA 13; TensorRT 10 and cuDNN 9.
    /// </summary>
    private static readonly string[] CudaLibraries = ["libcuda.so.1", "libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10"];

    private static readonly string[] TensorRtLibraries = ["libcuda.so.1", "libcudart.so.13", "libcublas.so.13", "libnvinfer.so.10", "libnvonnxparser.so.10", "libcudnn.so.9"];

    /// <summary>Null when <paramref name="provider"/> can be used, else a message saying why not and what to do.</summary>
    public static string? Check(ExecutionProvider provider)
    {
        var (label, registered, library, needs) = provider switch
        {
            ExecutionProvider.Cpu => ("CPU", "CPUExecutionProvider", null, []),
            ExecutionProvider.Cuda => ("CUDA", "CUDAExecutionProvider", "libonnxruntime_providers_cuda.so", CudaLibraries),
            ExecutionProvider.TensorRt => ("TensorRT", "TensorrtExecutionProvider", "libonnxruntime_providers_tensorrt.so", TensorRtLibraries),
            _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "unknown execution provider"),
        };
        if (library is null) return null;

        var available = OrtRuntime.AvailableProviders;
        var directory = OrtRuntime.LibraryDirectory;
        var problems = new List<string>();
        if (!available.Contains(registered))
        {
            problems.Add($"{registered} is not among the compiled-in providers [{string.Join(", ", available)}]");
        }

        foreach (var required in new[] { library, "libonnxruntime_providers_shared.so" })
        {
            if (directory is null || !File.Exists(Path.Combine(directory, required))) problems.Add($"{required} not found in {directory ?? "the loaded library's folder"}");
        }

        if (problems.Count > 0)
        {
            var fix = OrtRuntime.Flavor == "gpu"
                ? $"the GPU package ({OrtRuntime.Package}) looks incomplete: rebuild with 'make build ORT=gpu'"
                : $"this build carries ONNX Runtime {OrtRuntime.Version}'s CPU package ({OrtRuntime.Package}); 'make build ORT=gpu' builds on " +
                  "Microsoft.ML.OnnxRuntime.Gpu.Linux, with the CUDA and TensorRT providers — or use --engine ort-cpu";
            return $"ONNX Runtime {label} execution provider is not available in this build: {string.Join("; ", problems)}. To use it: {fix}.";
        }

        var missing = needs.Where(n => !CanLoad(n)).ToList();
        if (missing.Count == 0) return null;
        var what = provider == ExecutionProvider.Cuda ? "CUDA" : "CUDA/TensorRT";
        return $"ONNX Runtime {label} execution provider cannot run on this host: {what} libraries not found: {string.Join(", ", missing)}. " +
               $"ONNX Runtime {OrtRuntime.Version}'s {label} provider needs the NVIDIA driver and CUDA 13 (" +
               (provider == ExecutionProvider.TensorRt ? "cudart, cuBLAS), TensorRT 10 (nvinfer, nvonnxparser) and cuDNN 9" : "cudart, cuBLAS, cuRAND)") +
               "; install them, or put the folder holding them on LD_LIBRARY_PATH (e.g. a Python environment's nvidia/*/lib), or use --engine ort-cpu.";
    }

    private static bool CanLoad(string soname)
    {
        if (!NativeLibrary.TryLoad(soname, out var handle)) return false;
        NativeLibrary.Free(handle);
        return true;
    }
}
