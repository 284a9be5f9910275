using System.Diagnostics;
using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Runtime;
using Toolchain.Torch;

namespace Toolchain.Profiling;

/// <summary>
/// A target engine as the profiler sees it: it times one layer alone (<see cref="TimeLayer"/>) and deploys a whole
/// model (<see cref="Deploy"/>) the way a user would run it, both with the same threads.
/// </summary>
public abstract class ProfileEngine
{
    protected ProfileEngine(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be ≥ 1");
        Threads = threads;
    }

    /// <summary>Engine id: ort-cpu, torch or torch-cuda.</summary>
    public abstract string Name { get; }

    public abstract string Version { get; }

    /// <summary>Intra-op threads, as deployed.</summary>
    public int Threads { get; }

    /// <summary>This machine running this engine.</summary>
    public virtual DeviceFingerprint Fingerprint(int batch) => DeviceFingerprint.Current(Name, Version, Threads, batch);

    /// <summary>What one layer alone takes (ms): the statistic over <paramref name="runs"/> timed runs after <paramref name="warmup"/>.</summary>
    public abstract double TimeLayer(LayerConfig config, int[] dims, int batch, int warmup, int runs);

    /// <summary>The model deployed for measurement; the graph may be disposed once the engine is (not before, for libtorch).</summary>
    public abstract IInferenceEngine Deploy(ModelGraph graph);

    /// <summary>What <see cref="TimeLayer"/> reports, for the profile file.</summary>
    public abstract string LayerStatistic { get; }

    /// <summary>Uniform [−1, 1) values from a fixed seed.</summary>
    internal static HostTensor RandomInput(long[] shape)
    {
        var random = new Random(0);
        var data = new float[HostTensor.ElementCount(shape)];
        for (var i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return new HostTensor(shape, data);
    }
}

/// <summary>
/// ONNX Runtime on the CPU. A layer is timed by ONNX Runtime's own per-kernel profiler inside a single-layer model
/// built in-process (<see cref="UnitGraphs"/>, exported with BatchNorm folded as deployed): the layer's kernels only,
/// without the feeders, the layout reorders at the model's ends or the per-run overhead, none of which a layer
/// inside a model pays (the calibration holds what the model pays once).
/// </summary>
public sealed class OrtCpuEngine(int threads) : ProfileEngine(threads)
{
    public override string Name => "ort-cpu";

    public override string Version => OrtEngine.Version;

    public override string LayerStatistic => "interquartile mean over runs of the layer's kernel time (ONNX Runtime's profiler, µs resolution)";

    public override double TimeLayer(LayerConfig config, int[] dims, int batch, int warmup, int runs)
    {
        byte[] onnx;
        using (var graph = UnitGraphs.Build(config, dims, batch, feeders: true))
        {
            onnx = OnnxExporter.Export(graph, new OnnxExportOptions { FoldBatchNorm = true });
        }

        var input = RandomInput(UnitGraphs.InputShape(config, dims, batch, feeders: true));
        var trace = Path.Combine(Path.GetTempPath(), $"toolchain-layer-{Guid.NewGuid():N}.json");
        try
        {
            using (var engine = OrtEngine.Load(onnx, config.Key, Options(profiling: true)))
            {
                for (var i = 0; i < warmup + runs; i++) engine.Run([input]);
                engine.EndProfiling(keepTraceAs: trace);
            }

            var layer = OrtTrace.Read(trace)
                .Where(n => !n.Node.StartsWith(UnitGraphs.FeederPrefix, StringComparison.Ordinal) && !n.Op.StartsWith("Reorder", StringComparison.Ordinal))
                .ToList();
            if (layer.Count == 0 || layer.Any(n => n.DurationsUs.Count != warmup + runs))
            {
                throw new InvalidOperationException(
                    $"ONNX Runtime's trace of '{config.Key}' at [{string.Join(", ", dims)}] has no kernel of the layer, or a kernel that did not run every time");
            }

            // Per run, the layer's kernels together; warm-up runs dropped.
            var perRun = Enumerable.Range(warmup, runs).Select(r => (double)layer.Sum(n => n.DurationsUs[r]));
            return RobustStatistics.InterquartileMean(perRun) / 1000;
        }
        finally
        {
            File.Delete(trace);
        }
    }

    public override IInferenceEngine Deploy(ModelGraph graph) =>
        OrtEngine.Load(OnnxExporter.Export(graph, new OnnxExportOptions { FoldBatchNorm = true }), graph.Name, Options(profiling: false));

    private OrtEngineOptions Options(bool profiling) => new() { IntraOpThreads = Threads, EnableProfiling = profiling };
}

/// <summary>
/// The libtorch eager executor on the CPU. Eager ops do not fuse and layout does not matter, so a layer is timed
/// as its single-layer graph's wall time minus that of an empty graph on the same input (the executor's per-run cost).
/// </summary>
public sealed class TorchCpuEngine : ProfileEngine
{
    public TorchCpuEngine(int threads) : base(threads) => Libtorch.Threads = threads;

    public override string Name => "torch";

    public override string Version => Libtorch.Version;

    public override string LayerStatistic => "median wall time of the single-layer graph minus that of an empty graph";

    public override double TimeLayer(LayerConfig config, int[] dims, int batch, int warmup, int runs)
    {
        var input = RandomInput(UnitGraphs.InputShape(config, dims, batch, feeders: false));
        double layer, empty;
        using (var graph = UnitGraphs.Build(config, dims, batch, feeders: false))
        using (var engine = new TorchEngine(graph))
        {
            layer = MedianWallMs(engine, input, warmup, runs);
        }

        using (var identity = Identity(input.Shape))
        using (var engine = new TorchEngine(identity))
        {
            empty = MedianWallMs(engine, input, warmup, runs);
        }

        return Math.Max(0, layer - empty);
    }

    public override IInferenceEngine Deploy(ModelGraph graph) => new TorchEngine(graph);

    private static ModelGraph Identity(long[] shape)
    {
        using var b = new GraphBuilder("empty", shape, seed: null);
        b.Output(b.Identity(b.Input, "identity"));
        return b.Build();
    }

    private static double MedianWallMs(IInferenceEngine engine, HostTensor input, int warmup, int runs)
    {
        for (var i = 0; i < warmup; i++) engine.Run([input]);
        var samples = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            engine.Run([input]);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return RobustStatistics.Median(samples);
    }
}

/// <summary>The engines the profiler can target, by name.</summary>
public static class ProfileEngines
{
    public static IReadOnlyList<string> Names { get; } = ["ort-cpu", "torch", "torch-cuda"];

    /// <summary>The engine <paramref name="name"/> with <paramref name="threads"/> intra-op threads (0: the deployment default, one per core).</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    /// <exception cref="NotSupportedException">The engine cannot run on this machine (says why).</exception>
    public static ProfileEngine Create(string name, int threads = 0)
    {
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be ≥ 0 (0: one per core)");
        var resolved = threads == 0 ? Environment.ProcessorCount : threads;
        return name switch
        {
            "ort-cpu" => new OrtCpuEngine(resolved),
            "torch" => new TorchCpuEngine(resolved),
            "torch-cuda" => throw new NotSupportedException(CudaUnavailable()),
            _ => throw new ArgumentException($"unknown profiling engine '{name}' (known: {string.Join(", ", Names)})", nameof(name)),
        };
    }

    /// <summary>Why CUDA profiling cannot run here.</summary>
    private static string CudaUnavailable()
    {
        var (gpu, driver) = DeviceFingerprint.NvidiaGpu();
        if (!Libtorch.CudaIsAvailable)
        {
            return "torch-cuda: libtorch reports no CUDA device on this machine" +
                   (gpu is null ? " (and no NVIDIA driver is loaded)" : $" although the NVIDIA driver {driver} sees {gpu}: the native shim is built against a CPU-only libtorch; rebuild it against a CUDA libtorch") +
                   "; profile ort-cpu or torch instead";
        }

        return $"torch-cuda: {gpu ?? "a CUDA device"} is present, but timing layers on it needs CUDA events, which the native shim does not export yet; profile ort-cpu or torch instead";
    }
}
