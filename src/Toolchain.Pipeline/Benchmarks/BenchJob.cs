using Toolchain.Runtime;

namespace Toolchain.Pipeline;

/// <summary>
/// <c>toolchain bench</c>'s workflow, shared with the device agent: deployed-engine latency the way onnxruntime_perf_test and
/// trtexec report it — session creation, first run, then percentiles over timed runs after a warm-up — and, when asked,
/// every node's time from ONNX Runtime's profiler in a separate session (profiling costs time, so it never runs inside
/// the measured one).
/// </summary>
public static class BenchJob
{
    /// <summary>The progress bar's title while the timed runs go; scripts and tests wait for it.</summary>
    public static string MeasuringTitle(string engine) => $"benchmarking {engine}";

    public static BenchResult Run(BenchRequest request, IJobObserver observer, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(observer);
        request.Validate();
        var r = request;

        var create = EngineFactory.Creator(r.Engine, r.Model, r.Threads, r.InputShape);
        // The input shape comes from the engine itself; a probe engine is created once outside the timed creation.
        long[] shape;
        using (var probe = create()) shape = EngineFactory.InputShape(probe, r.Batch, r.InputShape);
        cancellation.ThrowIfCancellationRequested();
        var input = HostTensor.RandomUniform(shape);
        var options = r.DurationSeconds is { } s
            ? new BenchmarkOptions(r.Warmup, null, TimeSpan.FromSeconds(s))
            : new BenchmarkOptions(r.Warmup, r.Iterations ?? BenchRequest.DefaultIterations);
        if (r.ParityInput is { } parity && !parity.Shape.SequenceEqual(shape))
        {
            throw new ArgumentException($"the parity input has shape {HostTensor.FormatShape(parity.Shape)}; the model's input takes {HostTensor.FormatShape(shape)}");
        }

        var title = MeasuringTitle(r.Engine);
        IReadOnlyList<NamedTensor>? outputs = null;
        var report = observer.WithProgress(title, bar =>
            EngineBenchmark.Run(create, input, options, new SyncProgress<double>(f => bar.Update(title, f, 1)), cancellation,
                afterwards: r.ParityInput is { } given ? engine => outputs = RunOnce(engine, given) : null));

        var record = new BenchRecord
        {
            Model = r.Name, Input = shape, Report = report, Device = LatencyProfiles.Here(r.Engine, r.Threads, (int)shape[0]),
        };
        var nodes = r.PerNode
            ? PerNode(EngineFactory.Creator(r.Engine, r.Model, r.Threads, r.InputShape, profileNodes: true), input, r.Warmup, r.Iterations ?? BenchRequest.DefaultIterations, observer, cancellation)
            : null;
        return new BenchResult(record, nodes, outputs);
    }

    /// <summary>The parity run: one inference on <paramref name="input"/>, the outputs under the model's names for them.</summary>
    private static IReadOnlyList<NamedTensor> RunOnce(IInferenceEngine engine, HostTensor input)
    {
        var outputs = engine.Run([input]);
        return outputs.Select((tensor, i) => new NamedTensor(engine.Outputs[i].Name, tensor)).ToList();
    }

    private static NodesRecord PerNode(Func<IInferenceEngine> create, HostTensor input, int warmup, int runs, IJobObserver observer, CancellationToken cancellation)
    {
        const string title = "timing every node (ONNX Runtime profiler)";
        var timings = observer.WithProgress(title, bar =>
        {
            using var engine = (OrtEngine)create();
            for (var i = 0; i < warmup + runs; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                engine.Run([input]);
                bar.Update(title, i + 1, warmup + runs);
            }

            return engine.EndProfiling();
        });
        return new NodesRecord { Runs = warmup + runs, Nodes = timings.OrderByDescending(t => t.MeanMicroseconds).ToList() };
    }
}
