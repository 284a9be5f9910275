using Toolchain.Pipeline.Report;

namespace Toolchain.Pipeline;

/// <summary>
/// Whether this host has TensorRT: <c>trtexec</c> on the PATH or <c>libnvinfer.so*</c> in the library folders. Nothing
/// is faked: where neither is found the pipeline says so, and which places it looked in.
/// </summary>
public static class TensorRt
{
    private static readonly string[] LibraryFolders =
        ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/local/cuda/lib64", "/usr/local/tensorrt/lib", "/usr/lib"];

    /// <summary>What was found, or where it was looked for: a line for the console and the summary.</summary>
    public static string Describe(TensorRtStatus status) => status.Present
        ? $"TensorRT: {status.Version}"
        : $"TensorRT is not on this host (looked for {string.Join(", ", status.LookedFor)})";

    /// <summary>trtexec on the PATH, or null: what the pipeline builds and times TensorRT engines with.</summary>
    public static string? FindTrtexec() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(f => Path.Combine(f, "trtexec")).FirstOrDefault(File.Exists);

    /// <summary>Searches the PATH and the library folders; Version holds where it was found (TensorRT's own version is not read).</summary>
    public static TensorRtStatus Detect()
    {
        var lookedFor = new List<string>();
        lookedFor.Add("trtexec on PATH");
        if (FindTrtexec() is { } trtexec) return new TensorRtStatus(true, $"trtexec at {trtexec}", lookedFor);

        var folders = LibraryFolders.Concat((Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)).Distinct();
        foreach (var folder in folders)
        {
            lookedFor.Add(Path.Combine(folder, "libnvinfer.so*"));
            if (!Directory.Exists(folder)) continue;
            var library = Directory.EnumerateFiles(folder, "libnvinfer.so*").FirstOrDefault();
            if (library is not null) return new TensorRtStatus(true, $"libnvinfer at {library} (no trtexec on PATH to build and time engines)", lookedFor);
        }

        return new TensorRtStatus(false, null, lookedFor);
    }
}
