using System.Globalization;
using Toolchain.Runtime;
using Toolchain.Torch;

namespace Toolchain.Profiling;

/// <summary>
/// The machine and engine a profile was measured on. A profile predicts latency on another machine only by
/// accident, so loading one whose fingerprint differs from the current machine warns (<see cref="Differences"/>);
/// batch and precision are part of what the tables mean and must match exactly.
/// </summary>
public sealed record DeviceFingerprint
{
    /// <summary>The CPU's model name as /proc/cpuinfo reports it.</summary>
    public required string CpuModel { get; init; }

    /// <summary>Logical processors the process may use.</summary>
    public required int Cores { get; init; }

    /// <summary>Intra-op threads the engine ran with (the deployment setting).</summary>
    public required int Threads { get; init; }

    /// <summary>GPU model, or null when the engine runs on the CPU or none is present.</summary>
    public string? Gpu { get; init; }

    public string? GpuDriver { get; init; }

    /// <summary>Engine id, e.g. ort-cpu.</summary>
    public required string Engine { get; init; }

    public required string EngineVersion { get; init; }

    public required int Batch { get; init; }

    /// <summary>Element type of the timed layers, e.g. float32.</summary>
    public required string Precision { get; init; }

    /// <summary>When the profile was measured (UTC, ISO 8601).</summary>
    public required string Date { get; init; }

    /// <summary>The device-level fields that differ from <paramref name="current"/>, as "field: profile X, here Y".</summary>
    public IReadOnlyList<string> Differences(DeviceFingerprint current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var differences = new List<string>();
        void Compare(string field, object? profile, object? here)
        {
            if (!Equals(profile, here)) differences.Add($"{field}: profile {profile ?? "none"}, here {here ?? "none"}");
        }

        Compare("CPU", CpuModel, current.CpuModel);
        Compare("cores", Cores, current.Cores);
        Compare("threads", Threads, current.Threads);
        Compare("GPU", Gpu, current.Gpu);
        Compare("GPU driver", GpuDriver, current.GpuDriver);
        Compare("engine", Engine, current.Engine);
        Compare("engine version", EngineVersion, current.EngineVersion);
        return differences;
    }

    /// <summary>A short description: "ort-cpu 1.23.2, Intel(R) Xeon(R) Processor, 2 cores, 2 threads, batch 1, float32".</summary>
    public override string ToString() =>
        $"{Engine} {EngineVersion}, {CpuModel}, {Cores} cores, {Threads} threads{(Gpu is null ? "" : $", {Gpu} (driver {GpuDriver ?? "?"})")}, batch {Batch}, {Precision}";

    /// <summary>
    /// This machine as <paramref name="engine"/> running with <paramref name="threads"/> threads sees it, without creating
    /// the engine (which may not run here): its version from the loaded library, the GPU when it runs on one.
    /// </summary>
    public static DeviceFingerprint Current(EngineId engine, int threads, int batch)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var (gpu, driver) = engine.OnGpu ? HostGpu.Nvidia() : (null, null);
        return Current(engine.Name, engine.Version, threads, batch, gpu, driver);
    }

    /// <summary>This machine as an engine running with <paramref name="threads"/> threads would see it.</summary>
    public static DeviceFingerprint Current(string engine, string engineVersion, int threads, int batch, string? gpu = null, string? gpuDriver = null) => new()
    {
        CpuModel = HostCpu.Model,
        Cores = Environment.ProcessorCount,
        Threads = threads,
        Gpu = gpu,
        GpuDriver = gpuDriver,
        Engine = engine,
        EngineVersion = engineVersion,
        Batch = batch,
        Precision = "float32",
        Date = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
    };
}
