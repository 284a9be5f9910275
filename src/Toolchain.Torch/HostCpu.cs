namespace Toolchain.Torch;

/// <summary>
/// The CPU this process runs on, as /proc/cpuinfo names it. Engine choices that are fast on one vendor's cores and
/// slow on another's (<c>ExecutorSettings.CpuImageLayout</c>) read it, and benchmarks print it beside their numbers.
/// </summary>
public static class HostCpu
{
    private static readonly Lazy<(string Model, string Vendor)> Info = new(Read);

    /// <summary>The first "model name", e.g. "AMD EPYC 9B14", or "unknown X64 CPU" when /proc/cpuinfo says none.</summary>
    public static string Model => Info.Value.Model;

    /// <summary>The first "vendor_id", e.g. "AuthenticAMD" or "GenuineIntel"; "unknown" when there is none.</summary>
    public static string Vendor => Info.Value.Vendor;

    public static bool IsAmd => Vendor == "AuthenticAMD";

    private static (string, string) Read()
    {
        string? model = null, vendor = null;
        const string cpuinfo = "/proc/cpuinfo";
        if (File.Exists(cpuinfo))
        {
            foreach (var line in File.ReadLines(cpuinfo))
            {
                var colon = line.IndexOf(':');
                if (colon <= 0) continue;
                var (key, value) = (line[..colon].Trim(), line[(colon + 1)..].Trim());
                if (key == "model name") model ??= value;
                else if (key == "vendor_id") vendor ??= value;
                if (model is not null && vendor is not null) break;
            }
        }

        return (model ?? $"unknown {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture} CPU", vendor ?? "unknown");
    }
}
