namespace Toolchain.Runtime;

/// <summary>
/// Whether the loaded ONNX Runtime can use a GPU execution provider: it must be compiled in (GetAvailableProviders)
/// and its provider library must sit next to libonnxruntime (ONNX Runtime loads it from there when the provider is added).
/// </summary>
internal static class ProviderAvailability
{
    /// <summary>Null when <paramref name="provider"/> can be used, else a message saying why not and what to do.</summary>
    public static string? Check(ExecutionProvider provider)
    {
        var (label, registered, library) = provider switch
        {
            ExecutionProvider.Cpu => ("CPU", "CPUExecutionProvider", null),
            ExecutionProvider.Cuda => ("CUDA", "CUDAExecutionProvider", "libonnxruntime_providers_cuda.so"),
            ExecutionProvider.TensorRt => ("TensorRT", "TensorrtExecutionProvider", "libonnxruntime_providers_tensorrt.so"),
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

        return problems.Count == 0
            ? null
            : $"ONNX Runtime {label} execution provider is not available in this build: {string.Join("; ", problems)}. " +
              $"This build carries ONNX Runtime {OrtRuntime.Version}'s CPU package (Microsoft.ML.OnnxRuntime); use ExecutionProvider.Cpu (--engine ort-cpu).";
    }
}
