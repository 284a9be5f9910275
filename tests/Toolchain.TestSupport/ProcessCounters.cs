using Toolchain.Torch;

namespace Toolchain.TestSupport;

/// <summary>Process-wide counters that leak tests compare, read so that other tests and processes do not move them.</summary>
public static class ProcessCounters
{
    /// <summary>
    /// Live native tensors once the finalizers of earlier tests' garbage have run: a collection in the middle of a
    /// measurement would otherwise lower the count.
    /// </summary>
    public static long SettledLiveTensors()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Libtorch.LiveTensors;
    }

    /// <summary>
    /// Anonymous resident memory (RssAnon: heaps and mapped blocks, what a leak grows). Not VmRSS: that also counts
    /// file-backed pages such as libtorch's code, which the kernel drops and faults back in by tens of MiB when the
    /// test processes running beside this one press on memory.
    /// </summary>
    public static long AnonymousResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("RssAnon:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
