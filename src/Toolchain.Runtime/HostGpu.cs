namespace Toolchain.Runtime;

/// <summary>
/// The NVIDIA GPU the driver sees, read from /proc/driver/nvidia without loading CUDA: a profile's fingerprint records
/// it, and an engine that cannot reach the GPU says whether the driver is there at all.
/// </summary>
public static class HostGpu
{
    /// <summary>The NVIDIA driver's GPU model and version from /proc/driver/nvidia, or nulls when there is none.</summary>
    public static (string? Gpu, string? Driver) Nvidia()
    {
        const string root = "/proc/driver/nvidia";
        string? gpu = null, driver = null;
        var gpus = Path.Combine(root, "gpus");
        if (Directory.Exists(gpus))
        {
            gpu = Directory.EnumerateDirectories(gpus).Order(StringComparer.Ordinal)
                .Select(d => Path.Combine(d, "information")).Where(File.Exists)
                .SelectMany(File.ReadLines).Where(l => l.StartsWith("Model:", StringComparison.Ordinal))
                .Select(l => l["Model:".Length..].Trim()).FirstOrDefault();
        }

        var version = Path.Combine(root, "version");
        if (File.Exists(version))
        {
            // "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar ..." — the version is the token with dots after "Module".
            var first = File.ReadLines(version).FirstOrDefault() ?? "";
            var tokens = first.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var module = Array.IndexOf(tokens, "Module");
            driver = module >= 0 && module + 1 < tokens.Length ? tokens[module + 1] : first.Trim();
        }

        return (gpu, driver);
    }
}
