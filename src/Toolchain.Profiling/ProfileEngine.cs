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

    /// <summary>The catalogue entry this engine times (<see cref="Engines.Profilable"/>).</summary>
    public abstract EngineId Engine { get; }

    /// <summary>Engine id: ort-cpu or torch.</summary>
    public string Name => Engine.Name;

    public string Version => Engine.Version;

    /// <summary>Intra-op threads, as deployed.</summary>
    public int Threads { get; }

    /// <summary>This machine running this engine.</summary>
    public virtual DeviceFingerprint Fingerprint(int batch) => DeviceFingerprint.Current(Engine, Threads, batch);

    /// <summary>What one layer alone takes (ms): the statistic over <paramref name="runs"/> timed runs after <paramref name="warmup"/>.</summary>
    public abstract double TimeLayer(LayerConfig config, int[] dims, int batch, int warmup, int runs);

    /// <summary>The model deployed for measurement; the graph may be disposed once the engine is (not before, for libtorch).</summary>
    public abstract IInferenceEngine Deploy(ModelGraph graph);

    /// <summary>What <see cref="TimeLayer"/> reports, for the profile file.</summary>
    public abstract string LayerStatistic { get; }

    /// <summary>How this engine runs a model at given widths (which kernels, which layout conversions).</summary>
    public abstract Deployment Deployment { get; }
}

/// <summary>
/// ONNX Runtime on the CPU. A layer is timed by ONNX Runtime's own per-kernel profiler inside a single-layer model
/// built in-process (<see cref="UnitGraphs"/>, exported with BatchNorm folded as deployed): the layer's kernels only,
/// without the feeders, the layout conversions (the deployment model adds those where the model has them) or the
/// per-run overhead; of the layer's two copies, the one that ran after the other, as kernels run in a model. The
/// profiler adds a few microseconds to every kernel it times; the calibration's per-kernel term takes that off again.
/// </summary>
public sealed class OrtCpuEngine(int threads) : ProfileEngine(threads)
{
    private Deployment? _deployment;

    public override EngineId Engine => Engines.OrtCpu;

    public override string LayerStatistic => "interquartile mean over runs of the layer's kernel time, run after a twin of itself (ONNX Runtime's profiler, µs resolution)";

    /// <summary>Found by asking ONNX Runtime how it runs a few probe models (its blocking depends on the CPU's SIMD width).</summary>
    public override Deployment Deployment => _deployment ??= DetectDeployment();

    public override double TimeLayer(LayerConfig config, int[] dims, int batch, int warmup, int runs)
    {
        var (copies, _) = Run(config, dims, batch, warmup, runs);
        // Per run, the faster copy: the one that ran after its twin, as the kernel runs inside a model.
        var perRun = Enumerable.Range(warmup, runs).Select(r => copies.Min(kernels => (double)kernels.Sum(n => n.DurationsUs[r])));
        return RobustStatistics.InterquartileMean(perRun) / 1000;
    }

    /// <summary>
    /// Runs the single-layer model under ONNX Runtime's profiler; returns the kernels of each copy of the layer (a
    /// layout conversion has one, other layers the layer and its twin, see <see cref="UnitGraphs"/>) and whether
    /// ONNX Runtime blocked the layer.
    /// </summary>
    private (List<List<OrtTrace.NodeCalls>> Copies, bool Blocked) Run(LayerConfig config, int[] dims, int batch, int warmup, int runs)
    {
        var feeders = UnitGraphs.OrtFeeders(config);
        byte[] onnx;
        using (var graph = UnitGraphs.Build(config, dims, batch, feeders))
        {
            onnx = OnnxExporter.Export(graph, new OnnxExportOptions { FoldBatchNorm = true });
        }

        var input = HostTensor.RandomUniform(UnitGraphs.InputShape(config, dims, batch, feeders));
        IReadOnlyList<OrtTrace.NodeCalls> nodes;
        using (var engine = OrtEngine.Load(onnx, config.Key, Options(profiling: true)))
        {
            nodes = OrtTrace.Record(engine, input, warmup + runs);
        }

        var copyOf = CopyOfEachKernel(nodes);
        List<OrtTrace.NodeCalls> Copy(string copy) => nodes.Where(n => copyOf.GetValueOrDefault(n) == copy).ToList();
        var copies = config.Reorder is not null
            ? [nodes.Where(n => n.Op == (config.Reorder == "input" ? "ReorderInput" : "ReorderOutput")).ToList()]
            : new List<List<OrtTrace.NodeCalls>> { Copy(UnitGraphs.LayerName), Copy(UnitGraphs.TwinName) };
        var where = $"ONNX Runtime's trace of '{config.Key}' at [{string.Join(", ", dims)}] ({string.Join(", ", nodes.Select(n => $"{n.Node}:{n.Op}"))})";
        if (copies.Any(kernels => kernels.Count == 0 || kernels.Any(n => n.DurationsUs.Count != warmup + runs)))
        {
            throw new InvalidOperationException($"{where} has no kernel of the layer, or one that did not run every time");
        }

        var blocked = copies[0].Any(n => n.Node.EndsWith(OrtTrace.BlockedSuffix, StringComparison.Ordinal));
        CheckVariant(config, blocked, where);
        return (copies, blocked);
    }

    /// <summary>
    /// Which copy of the layer (<see cref="UnitGraphs.LayerName"/> or <see cref="UnitGraphs.TwinName"/>) each kernel of a
    /// single-layer model's trace (in the order the kernels ran) belongs to; feeders, the join and layout conversions
    /// belong to none. A kernel is named after its node, except one ONNX Runtime fused out of several nodes: the exporter's
    /// GELU (Div, Erf, Add, Mul, Mul) runs as a kernel named "Gelu", "Gelu_token_0"… That one belongs to the copy whose
    /// feeder or kernel ran just before it (ONNX Runtime runs the nodes one after another in the graph's order).
    /// </summary>
    private static Dictionary<OrtTrace.NodeCalls, string> CopyOfEachKernel(IReadOnlyList<OrtTrace.NodeCalls> kernels)
    {
        string? CopyNamed(string name, string prefix) =>
            name.StartsWith(prefix + UnitGraphs.LayerName, StringComparison.Ordinal) ? UnitGraphs.LayerName
            : name.StartsWith(prefix + UnitGraphs.TwinName, StringComparison.Ordinal) ? UnitGraphs.TwinName
            : null;

        var copyOf = new Dictionary<OrtTrace.NodeCalls, string>(ReferenceEqualityComparer.Instance);
        string? current = null;
        foreach (var kernel in kernels.Where(k => !k.Op.StartsWith("Reorder", StringComparison.Ordinal)))
        {
            if (kernel.Node.StartsWith(UnitGraphs.FeederPrefix, StringComparison.Ordinal))
            {
                current = CopyNamed(kernel.Node, UnitGraphs.FeederPrefix + "_"); // the join belongs to neither
                continue;
            }

            current = CopyNamed(kernel.Node, "") ?? current;
            if (current is not null) copyOf[kernel] = current;
        }

        return copyOf;
    }

    /// <summary>The deployment model's rules must pick the kernel ONNX Runtime picked; otherwise predictions would mix kernels.</summary>
    private static void CheckVariant(LayerConfig config, bool blocked, string where)
    {
        var layered = config.Op is OpKind.Conv or OpKind.MaxPool or OpKind.AveragePool or OpKind.GlobalAveragePool;
        if (config.Variant is null || config.Reorder is not null || !layered) return;
        var expected = config.Variant != OrtNchwcDeployment.PlainVariant;
        if (blocked != expected)
        {
            throw new InvalidOperationException(
                $"{where}: ONNX Runtime ran the layer {(blocked ? "blocked (NCHWc)" : "on the plain layout")}, but the deployment model expected the '{config.Variant}' variant; " +
                $"this ONNX Runtime ({OrtEngine.Version}) lays out layers differently from the rules the profiler knows");
        }
    }

    /// <summary>Block size: the smallest of 8/16 channels at which a global average pool runs blocked; conv input alignment: the smallest of 4/8/16 a conv reading 16+ channels runs blocked at.</summary>
    private Deployment DetectDeployment()
    {
        bool Blocked(LayerConfig config, int[] dims) => Run(config, dims, 1, 0, 1).Blocked;
        var gap = new LayerConfig { Op = OpKind.GlobalAveragePool, InputSize = [4, 4] };
        var block = new[] { 8, 16 }.FirstOrDefault(c => Blocked(gap, [c]));
        if (block == 0) return new EagerDeployment(); // no NCHWc on this CPU: every layer runs as written
        var conv = new LayerConfig { Op = OpKind.Conv, Kernel = [1, 1], Stride = [1, 1], Padding = [0, 0], Dilation = [1, 1], InputSize = [4, 4] };
        var alignment = new[] { 4, 8, 16 }.First(a => a >= 16 ? true : Blocked(conv, [16 + a, 16]));
        return new OrtNchwcDeployment(block, alignment);
    }

    public override IInferenceEngine Deploy(ModelGraph graph) =>
        OrtEngine.Load(OnnxExporter.Export(graph, new OnnxExportOptions { FoldBatchNorm = true }), graph.Name, Options(profiling: false));

    // Threads spin only during a run: profiling and validation keep many sessions alive and measure them in turn,
    // and idle sessions' spinning threads would otherwise take the cores from the one being measured.
    private OrtEngineOptions Options(bool profiling) => new() { IntraOpThreads = Threads, EnableProfiling = profiling, Spinning = ThreadSpinning.DuringRun };
}

/// <summary>
/// The libtorch eager executor on the CPU. Eager ops do not fuse and layout does not matter, so a layer is timed
/// as its single-layer graph's wall time minus that of an empty graph on the same input (the executor's per-run cost).
/// </summary>
public sealed class TorchCpuEngine : ProfileEngine
{
    public TorchCpuEngine(int threads) : base(threads) => Libtorch.Threads = threads;

    public override EngineId Engine => Engines.Torch;

    public override string LayerStatistic => "10th percentile of the single-layer graph's wall time minus that of an empty graph";

    public override double TimeLayer(LayerConfig config, int[] dims, int batch, int warmup, int runs)
    {
        if (config.Reorder is not null) throw new ArgumentException($"'{config.Key}' is an ONNX Runtime layout conversion; libtorch has none");
        var input = HostTensor.RandomUniform(UnitGraphs.InputShape(config, dims, batch, Feeders.None));
        double layer, empty;
        using (var graph = UnitGraphs.Build(config, dims, batch, Feeders.None))
        using (var engine = new TorchEngine(graph))
        {
            layer = LowWallMs(engine, input, warmup, runs);
        }

        using (var identity = Identity(input.Shape))
        using (var engine = new TorchEngine(identity))
        {
            empty = LowWallMs(engine, input, warmup, runs);
        }

        return Math.Max(0, layer - empty);
    }

    public override Deployment Deployment { get; } = new EagerDeployment();

    public override IInferenceEngine Deploy(ModelGraph graph) => new TorchEngine(graph);

    private static ModelGraph Identity(long[] shape)
    {
        using var b = new GraphBuilder("empty", shape, seed: null);
        b.Output(b.Identity(b.Input, "identity"));
        return b.Build();
    }

    /// <summary>A low percentile: libtorch's OpenMP threads stall for milliseconds when another process takes a core.</summary>
    private static double LowWallMs(IInferenceEngine engine, HostTensor input, int warmup, int runs)
    {
        using var run = engine.Prepare([input]);
        for (var i = 0; i < warmup; i++) run.Run();
        var samples = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            run.Run();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return new LatencyStatistics(samples).Percentile(10);
    }
}

/// <summary>The engines the profiler can target, by name: the catalogue's profilable entries (<see cref="Engines.Profilable"/>).</summary>
public static class ProfileEngines
{
    public static IReadOnlyList<string> Names { get; } = Engines.Profilable.Select(e => e.Name).ToArray();

    /// <summary>The engine <paramref name="name"/> with <paramref name="threads"/> intra-op threads (0: the deployment default, one per core).</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    /// <exception cref="NotSupportedException">The engine cannot run on this machine (says why).</exception>
    public static ProfileEngine Create(string name, int threads = 0)
    {
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be ≥ 0 (0: one per core)");
        var resolved = threads == 0 ? Environment.ProcessorCount : threads;
        var engine = Engines.FindProfilable(name);
        if (engine.WhyUnavailable() is { } why) throw new NotSupportedException(why);
        if (engine == Engines.OrtCpu) return new OrtCpuEngine(resolved);
        if (engine == Engines.Torch) return new TorchCpuEngine(resolved);
        // A catalogue entry marked profilable that runs here but has no timer below is a bug of this file.
        throw new InvalidOperationException($"{engine} is available but the profiler has no timer for it");
    }
}
