using System.Diagnostics;
using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Pruning;
using Toolchain.Runtime;
using Toolchain.Torch;
using Toolchain.Training;

namespace Toolchain.Benchmarks;

/// <summary>
/// make soak: long loops of what a build farm runs all day — 10,000 inferences per engine (ONNX Runtime CPU and our
/// libtorch executor), 1,000 training steps through the real trainer (data loader, augmentation, evaluation), 200
/// prune → compact → export → reload cycles — printing the live native tensors and the resident memory at intervals.
/// A loop passes when, after its warm-up tenth, the live tensors do not grow at all and the resident memory ends less
/// than <see cref="RssSlackMiB"/> above its lowest sample; the exit code is 1 otherwise. The leak tests run short versions of each loop
/// in <c>make test</c>; this is the long one, not part of CI.
/// </summary>
public static class Soak
{
    /// <summary>Resident growth allowed after warm-up: allocator fragmentation and lazily grown caches, not a leak per iteration.</summary>
    private const double RssSlackMiB = 24;

    private const int Samples = 10;

    public static double Run()
    {
        // One thread each: the soak watches memory, not speed, and two spinning OpenMP threads on a loaded 2-core host
        // make the libtorch loops crawl.
        Libtorch.Threads = 1;
        Console.WriteLine("Soak: live native tensors and resident memory (MiB) at every tenth of each loop; flat after the first tenth passes");
        var results = new List<(string Loop, bool Flat)>
        {
            Loop("ORT CPU inference, resnet20", 10_000, OrtInference()),
            Loop("libtorch executor inference, resnet20", 10_000, TorchInference()),
            Loop("training steps, resnet20 on shapes10", 1_000, Training()),
            Loop("prune/compact/export/reload, resnet20", 200, PruneCycles()),
        };
        var failed = results.Where(r => !r.Flat).Select(r => r.Loop).ToArray();
        Console.WriteLine(failed.Length == 0 ? "Soak: every loop is flat" : $"Soak: NOT flat: {string.Join("; ", failed)}");
        if (failed.Length > 0) Environment.ExitCode = 1;
        return failed.Length;
    }

    /// <summary>Runs <paramref name="iterations"/> steps of a loop (the step gets its index) and judges its curve.</summary>
    private static (string, bool) Loop(string name, int iterations, (Action<int> Step, IDisposable State) loop)
    {
        var start = Stopwatch.GetTimestamp();
        var points = new List<(int Iteration, long Tensors, double RssMiB)>();
        using (loop.State)
        {
            for (var i = 0; i < iterations; i++)
            {
                loop.Step(i);
                if ((i + 1) % (iterations / Samples) == 0) points.Add((i + 1, Settled(), ResidentMiB()));
            }
        }

        // Growth is measured from the lowest point, so memory an earlier loop gave back during the first tenth cannot hide a rise.
        var warm = points[0];
        var tensorGrowth = points.Max(p => p.Tensors) - warm.Tensors;
        var rssGrowth = points[^1].RssMiB - points.Min(p => p.RssMiB);
        var flat = tensorGrowth == 0 && rssGrowth < RssSlackMiB;
        Console.WriteLine($"{name}: {iterations:N0} iterations in {Stopwatch.GetElapsedTime(start).TotalSeconds:F0} s");
        Console.WriteLine($"  {"iteration",10} {"live tensors",13} {"RSS MiB",9}");
        foreach (var (iteration, tensors, rss) in points) Console.WriteLine($"  {iteration,10:N0} {tensors,13:N0} {rss,9:F1}");
        Console.WriteLine($"  after warm-up: live tensors {tensorGrowth:+#;-#;0}, RSS {rssGrowth:+0.0;-0.0} MiB → {(flat ? "flat" : "GROWING")}");
        return (name, flat);
    }

    private static (Action<int>, IDisposable) OrtInference()
    {
        using var graph = ModelZoo.Create("resnet20");
        var engine = OrtEngine.Load(OnnxExporter.Export(graph, new OnnxExportOptions { FoldBatchNorm = true }), "resnet20",
            new OrtEngineOptions { IntraOpThreads = 1 });
        var input = HostTensor.RandomUniform(graph.InputShape, seed: 1);
        return (_ => engine.Run([input]), engine);
    }

    private static (Action<int>, IDisposable) TorchInference()
    {
        var graph = ModelZoo.Create("resnet20");
        var engine = new TorchEngine(graph);
        var input = HostTensor.RandomUniform(graph.InputShape, seed: 1);
        return (_ => engine.Run([input]), new Both(engine, graph));
    }

    /// <summary>
    /// The trainer's own loop: 10 epochs of 100 batches of 64 synthetic images, evaluation after each; a hook hands every
    /// 100th step back to the soak loop by running the trainer lazily, one epoch per 100 iterations.
    /// </summary>
    private static (Action<int>, IDisposable) Training()
    {
        var data = DataSource.Open(DataSource.Shapes10Name, seed: 0, trainCount: 6_400, testCount: 640);
        var graph = ModelZoo.Create("resnet20", numClasses: data.NumClasses, inputShape: data.InputShape);
        var trainer = new Trainer(graph, "resnet20", data, new TrainingOptions { Epochs = 10, BatchSize = 64, LearningRate = 0.05 });
        var epochs = trainer.Run().GetEnumerator();
        // Each call of the step is one training step; the enumerator advances one epoch (100 steps) every 100th call.
        return (i =>
        {
            if (i % trainer.BatchesPerEpoch == trainer.BatchesPerEpoch - 1) epochs.MoveNext();
        }, new Both(epochs, new Both(trainer, graph)));
    }

    private static (Action<int>, IDisposable) PruneCycles()
    {
        var input = HostTensor.RandomUniform([1, 3, 32, 32], seed: 2);
        return (i =>
        {
            using var graph = ModelZoo.Create("resnet20", seed: (ulong)i);
            OneShotPruning.Prune(graph, Importance.Create("l1"), 0.5);
            using var engine = OrtEngine.Load(OnnxExporter.Export(graph, new OnnxExportOptions { FoldBatchNorm = true }), "pruned",
                new OrtEngineOptions { IntraOpThreads = 1 });
            engine.Run([input]);
        }, new Both());
    }

    private static long Settled()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Libtorch.LiveTensors;
    }

    /// <summary>VmRSS after an aggressive, compacting collection, so what grows is native memory.</summary>
    private static double ResidentMiB()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    }

    /// <summary>Disposes its parts in order.</summary>
    private sealed class Both(params IDisposable[] parts) : IDisposable
    {
        public void Dispose()
        {
            foreach (var part in parts) part.Dispose();
        }
    }
}
