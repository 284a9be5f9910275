using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Pipeline.Report;
using Toolchain.Profiling;
using Toolchain.Runtime;
using Toolchain.Training;
using Toolchain.Torch.Serialization;

namespace Toolchain.Pipeline;

/// <summary>
/// The whole job of <c>toolchain run</c>: dense model (trained first for a zoo name) → budgeted pruning on this device's
/// latency profile, fine-tuning, compaction and verified ONNX export (<see cref="PruneJob"/>) → dense and pruned
/// measured on the deployed engine at every configured batch, taking turns → gates. Each stage leaves a record of its
/// inputs in the run folder (<see cref="StageRecord"/>): a rerun reuses what is still valid, and an interrupted training
/// or pruning stage resumes from its last epoch checkpoint. The CI files and the report are written from the result
/// (<see cref="PipelineOutputs"/>).
/// </summary>
public static class PipelineRunner
{
    /// <param name="configFile">Where the configuration came from (null: the embedded default), for the report.</param>
    /// <param name="cancellation">Stops the run at its next safe point (between batches, measurement rounds or stages) with
    /// <see cref="OperationCanceledException"/>: finished stages keep their records, an interrupted training or pruning stage
    /// its last epoch checkpoint, so running the same configuration again continues.</param>
    /// <param name="device">The device agent target.device names (the command opens it): the profile, the recalibration and the
    /// deployed-engine benchmarks run there, and the results carry its fingerprint; null: this machine is the target.</param>
    public static PipelineResult Run(PipelineConfig config, string? configFile, IPipelineObserver observer, CancellationToken cancellation = default, IRemoteDevice? device = null)
    {
        var started = DateTimeOffset.UtcNow;
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(observer);
        config.Validate();
        if (config.Target.Device is not null && device is null) throw new ArgumentException("target.device is set: the pipeline needs its agent client (toolchain run opens it)");
        if (device is not null) observer.Info($"target device: the agent at {device.Address} ({device.Fingerprint(config.Target.Engine, 0, config.Target.Batch)}): profile, recalibration and benchmarks run there");
        if (config.Target.Profile != LatencyProfiles.Auto && ProfileInUse(config, device) is { FingerprintMatches: false } foreign && !config.Target.AllowForeignProfile)
        {
            // Before any work: a profile from another device predicts this one 6–12 % off: used only when the configuration says so.
            throw new PipelineConfigException($"target.profile '{config.Target.Profile}' was measured on another device or setting ({string.Join("; ", foreign.Differences)}); " +
                                              $"use target.profile: auto to measure {(device is null ? "this machine" : "the target device")}, or set target.allowForeignProfile: true to use it anyway");
        }

        var folder = config.Output;
        Directory.CreateDirectory(folder);
        var stages = new List<StageStatus>();
        // TensorRT engines are built and timed by trtexec on this machine: not the target when an agent measures.
        var tensorRt = device is null ? TensorRt.Detect() : new TensorRtStatus(false, null, [$"nothing: the target is the device agent at {device.Address}"]);
        observer.Info(TensorRt.Describe(tensorRt) + (tensorRt.Present ? "" : "; the pipeline deploys on ONNX Runtime CPU only"));

        var dense = Timed(stages, "train", observer, cancellation, () => DenseModel(config, folder, observer, cancellation));
        var prune = Timed(stages, "prune", observer, cancellation, () => Prune(config, folder, dense, observer, cancellation, device));
        var parity = Timed(stages, "parity", observer, cancellation, () => Parity(config, prune, observer, cancellation));
        var latency = Timed(stages, "benchmark", observer, cancellation, () => device is null
            ? Benchmark(config, folder, dense, prune, observer, cancellation)
            : BenchmarkOnDevice(config, folder, dense, prune, device, observer, cancellation));
        var gates = Gates.Judge(config, prune, latency, parity);
        var environment = Environment(config, device);
        return new PipelineResult(config, folder, prune, latency, gates, tensorRt, stages, environment, started, configFile, ProfileInUse(config, device), parity);
    }

    private static T Timed<T>(List<StageStatus> stages, string name, IPipelineObserver observer, CancellationToken cancellation, Func<(T Value, string Status)> stage)
    {
        cancellation.ThrowIfCancellationRequested(); // a signal during the last stage's final write stops here, its record written
        observer.StageStarted(name);
        var clock = Stopwatch.StartNew();
        var (value, status) = stage();
        var finished = new StageStatus(name, status, clock.Elapsed.TotalSeconds);
        stages.Add(finished);
        observer.StageFinished(finished);
        return value;
    }

    /// <summary>
    /// The dense model's file: the configured file as it is, or for a zoo name the model trained in the run folder
    /// (<see cref="TrainJob"/>; reused while model, data and training settings stay the same; continued from its last
    /// epoch checkpoint when a previous run was interrupted).
    /// </summary>
    private static (string Path, string Status) DenseModel(PipelineConfig c, string folder, IPipelineObserver observer, CancellationToken cancellation)
    {
        if (!ModelZoo.Names.Contains(c.Model))
        {
            if (!File.Exists(c.Model)) throw new FileNotFoundException($"model '{c.Model}' is neither a zoo name ({string.Join(", ", ModelZoo.Names)}) nor an existing file", c.Model);
            return (c.Model, "given");
        }

        var path = Path.Combine(folder, "dense.safetensors");
        var t = c.Train;
        var settings = Invariant($"train {c.Model} on {c.Data} ({t.Images?.ToString(CultureInfo.InvariantCulture) ?? "all"} images{TestImages(c)}): epochs {t.Epochs}, batch size {t.BatchSize}, lr {t.Lr}, seed {t.Seed}");
        var inputs = StageRecord.Hash(settings);
        if (StageRecord.Reuse<string>(folder, "train", inputs, path) is not null)
        {
            observer.Info($"train: reusing {path} (same model, data and settings)");
            return (path, "reused");
        }

        var request = new TrainRequest
        {
            Model = c.Model, Data = c.Data, TrainImages = t.Images, TestImages = t.TestImages, Output = path, ContinueInterrupted = true,
            Options = new TrainingOptions { Epochs = t.Epochs, BatchSize = t.BatchSize, LearningRate = t.Lr, Seed = t.Seed, WarmupEpochs = Math.Min(1, t.Epochs) },
        };
        var trained = TrainJob.Run(request, observer, cancellation);
        StageRecord.Write(folder, "train", inputs, path);
        return (path, trained.Resumed ? "resumed" : "ran");
    }

    /// <summary>Budgeted pruning, fine-tuning, compaction and the verified ONNX export; measurement is the benchmark stage's.</summary>
    private static (PruneSummary Value, string Status) Prune(PipelineConfig c, string folder, string dense, IPipelineObserver observer, CancellationToken cancellation, IRemoteDevice? device)
    {
        var p = c.Prune;
        var output = Path.Combine(folder, "pruned.onnx");
        var profile = c.Target.Profile == "auto" ? LatencyProfiles.Auto : c.Target.Profile;
        var settings = Invariant($"prune on {c.Data} ({c.Train.Images?.ToString(CultureInfo.InvariantCulture) ?? "all"} images{TestImages(c)}): method {p.Method}, budgets [{string.Join(", ", p.Budgets)}], epochs {p.Epochs}+{p.FinetuneEpochs}, ") +
                       Invariant($"lr {p.Lr}/{p.FinetuneLr}, batch size {p.BatchSize}, round-to {p.RoundTo}, seed {p.Seed}, sparsity {p.Sparsity}, options [{p.Options}]; target {c.Target.Engine} batch {c.Target.Batch} profile {c.Target.Profile}") +
                       (c.Target.Recalibrate ? " recalibrated" : "") +
                       (device is null ? "" : $" on device {device.Address}"); // only when set: earlier runs' records stay valid
        var files = new List<string> { dense };
        if (profile != LatencyProfiles.Auto) files.Add(profile);
        var inputs = StageRecord.Hash(settings, files.ToArray());
        if (StageRecord.Reuse<PruneSummary>(folder, "prune", inputs, output) is { } kept)
        {
            observer.Info($"prune: reusing {output} (same dense model, data, profile and settings)");
            return (kept, "reused");
        }

        var resume = File.Exists(PruneJob.CheckpointPath(output));
        var request = new PruneRequest
        {
            Model = dense, Output = output, Method = p.Method, Budgets = p.Budgets, Data = c.Data, Epochs = p.Epochs, FineTuneEpochs = p.FinetuneEpochs,
            LearningRate = p.Lr, FineTuneLearningRate = p.FinetuneLr, BatchSize = p.BatchSize, RoundTo = p.RoundTo, Seed = p.Seed,
            Batch = c.Target.Batch, Profile = profile, Recalibrate = c.Target.Recalibrate, Device = device, Resume = resume, MeasureSeconds = 0, TrainImages = c.Train.Images, TestImages = c.Train.TestImages, Sparsity = p.Sparsity,
            Mu = p.Options.Mu, FsaSelection = p.Options.FsaSelection, FsaStep = p.Options.FsaStep, SlimStrength = p.Options.SlimStrength,
            GregDelta = p.Options.GregDelta, GregCoupled = p.Options.GregCoupled, SwdAMax = p.Options.SwdAMax, SwdMask = p.Options.SwdMask, SwdRamp = p.Options.SwdRamp,
            HfpLambda = p.Options.HfpLambda, HfpShiftDecay = p.Options.HfpShiftDecay, LtpLambda = p.Options.LtpLambda, LtpTemperature = p.Options.LtpT0,
            LtpThresholdLearningRate = p.Options.LtpTauLr, LtpThresholdInit = p.Options.LtpTauInit, RefillCut = p.Options.RefillCut, ShareOfKept = p.Options.ShareOfKept,
            ReferenceGraph = DataParityCheck.ReferenceGraphPath(output),
        };
        var result = PruneSummary.From(PruneJob.Run(request, observer, cancellation));
        StageRecord.Write(folder, "prune", inputs, result);
        return (result, resume ? "resumed" : "ran");
    }

    /// <summary>
    /// The profile the run predicts with (the configured file, or this machine's auto profile once measured) and how its
    /// device differs from this one; null when there is none yet.
    /// </summary>
    private static ProfileUse? ProfileInUse(PipelineConfig c, IRemoteDevice? remote)
    {
        var t = c.Target;
        var path = t.Profile != LatencyProfiles.Auto ? t.Profile
            : remote is null ? LatencyProfiles.AutoProfilePath(t.Engine, t.Batch)
            : LatencyProfiles.DeviceProfilePath(remote.Address, t.Engine, remote.Fingerprint(t.Engine, 0, t.Batch).Cores, t.Batch);
        if (!File.Exists(path))
        {
            if (t.Profile == LatencyProfiles.Auto) return null;
            throw new FileNotFoundException($"target.profile '{path}' does not exist; 'auto' measures this machine's", path);
        }

        var device = LatencyProfile.Load(path).Device;
        var differences = device.Differences(remote?.Fingerprint(t.Engine, 0, t.Batch) ?? LatencyProfiles.Here(t.Engine, 0, t.Batch));
        return new ProfileUse(path, device.ToString(), differences.Count == 0, differences);
    }

    /// <summary>
    /// The pruned .onnx on ONNX Runtime against our executor on the graph it was written from (kept by the prune stage),
    /// on real test images of the run's data; null (and said why) when that graph is missing.
    /// </summary>
    private static (DataParity? Value, string Status) Parity(PipelineConfig c, PruneSummary prune, IPipelineObserver observer, CancellationToken cancellation)
    {
        var reference = DataParityCheck.ReferenceGraphPath(prune.OnnxPath);
        if (!File.Exists(reference))
        {
            observer.Info($"parity on real data: not checked, {reference} is missing (the prune stage was reused from an earlier toolchain that did not keep it; " +
                          "delete stages/prune.json in the run folder to prune again)");
            return (null, "skipped");
        }

        cancellation.ThrowIfCancellationRequested();
        var data = DataSource.Open(c.Data, c.Train.Seed, c.Train.Images, c.Train.TestImages);
        var parity = DataParityCheck.Run(prune.OnnxPath, reference, data, Math.Min(DataParityCheck.DefaultImages, data.Test.Count));
        observer.Info(Invariant($"parity on {parity.Describe()}: max |Δ| {parity.MaxAbsDiff:G3} (outputs up to {parity.OutputScale:G3}), top-1 agreement {parity.Top1Agreement:P1}"));
        return (parity, "ran");
    }

    /// <summary>
    /// Dense and pruned on ONNX Runtime CPU at every batch size, taking turns round by round for the configured time;
    /// then, with those sessions closed, the pruned model per layer at the target batch (<see cref="LayerBenchmark"/>).
    /// </summary>
    private static (IReadOnlyList<BatchLatency> Value, string Status) Benchmark(PipelineConfig c, string folder, string dense, PruneSummary prune, IPipelineObserver observer,
        CancellationToken cancellation)
    {
        var denseOnnx = DenseOnnx(folder, dense);

        var threads = System.Environment.ProcessorCount;
        var results = new List<BatchLatency>();
        foreach (var batch in c.BenchmarkBatches)
        {
            using var denseEngine = EngineFactory.Creator(c.Target.Engine, denseOnnx, threads)();
            using var prunedEngine = EngineFactory.Creator(c.Target.Engine, prune.OnnxPath, threads)();
            var shape = EngineFactory.InputShape(denseEngine, batch);
            var input = HostTensor.RandomUniform(shape);
            var title = $"benchmark batch {batch}: dense and pruned taking turns";
            var runs = observer.WithProgress(title, bar => ModelLatency.MeasureRuns([denseEngine, prunedEngine], [input, input],
                new ModelMeasurement { MinSeconds = c.Benchmark.Seconds }, new SyncProgress<double>(f => bar.Update(title, f, 1)), cancellation));
            var measured = new BatchLatency(batch, c.Target.Engine, Summary(runs[0], batch), Summary(runs[1], batch));
            observer.Info($"benchmark batch {batch}: dense p50 {measured.Dense.P50Ms:F3} ms, pruned p50 {measured.Pruned.P50Ms:F3} ms, speed-up {measured.Speedup:F2}×");
            results.Add(measured);
        }

        if (TensorRt.FindTrtexec() is { } trtexec && TensorRtLatency(trtexec, c, folder, denseOnnx, prune.OnnxPath, observer, cancellation) is { } onTensorRt)
        {
            results.Add(onTensorRt);
        }

        var target = results.FindIndex(l => l.Batch == c.Target.Batch && l.Engine == c.Target.Engine);
        var profile = c.Target.Profile == LatencyProfiles.Auto ? LatencyProfiles.AutoProfilePath(c.Target.Engine, c.Target.Batch) : c.Target.Profile;
        var layers = observer.WithProgress($"per layer at batch {c.Target.Batch}: {LayerBenchmark.Runs} profiled runs", _ =>
            LayerBenchmark.Measure(c.Target.Engine, prune.OnnxPath, dense, prune.Widths, profile, c.Target.Batch, threads));
        if (layers is not null)
        {
            results[target] = results[target] with { Layers = layers };
            observer.Info($"benchmark per layer at batch {c.Target.Batch}: {ReportBuilder.PerLayer(layers).Errors!.Describe()}");
        }

        return (results, "ran");
    }

    /// <summary>
    /// The benchmark stage on the device agent: dense and pruned exported as a local benchmark exports them, each measured there
    /// by a bench job at every batch for the configured time (one after the other — the agent runs one job at a time — where
    /// a local run takes turns round by round; dense, pruned, then the other order would cancel a drift, so the order alternates
    /// by batch). Per-layer and TensorRT measurements are local-only and said to be skipped.
    /// </summary>
    private static (IReadOnlyList<BatchLatency> Value, string Status) BenchmarkOnDevice(PipelineConfig c, string folder, string dense, PruneSummary prune, IRemoteDevice device,
        IPipelineObserver observer, CancellationToken cancellation)
    {
        var denseOnnx = DenseOnnx(folder, dense);
        var results = new List<BatchLatency>();
        var threads = device.Fingerprint(c.Target.Engine, 0, c.Target.Batch).Cores;
        foreach (var (batch, index) in c.BenchmarkBatches.Select((b, i) => (b, i)))
        {
            BenchRequest Request(string model, string name) => new()
            {
                Model = model, DisplayName = name, Engine = c.Target.Engine, Batch = batch, Warmup = 10, DurationSeconds = c.Benchmark.Seconds, Threads = threads,
            };

            var order = index % 2 == 0 ? new[] { ("dense", denseOnnx), ("pruned", prune.OnnxPath) } : [("pruned", prune.OnnxPath), ("dense", denseOnnx)];
            var measured = order.ToDictionary(m => m.Item1, m => device.Bench(Request(m.Item2, m.Item1), observer, cancellation).Benchmark);
            var latency = new BatchLatency(batch, c.Target.Engine, Summary(measured["dense"].Report, batch), Summary(measured["pruned"].Report, batch));
            observer.Info($"benchmark batch {batch} on {device.Address}: dense p50 {latency.Dense.P50Ms:F3} ms, pruned p50 {latency.Pruned.P50Ms:F3} ms, speed-up {latency.Speedup:F2}× " +
                          $"({measured["pruned"].Device})");
            results.Add(latency);
        }

        observer.Info($"benchmark per layer: not measured — the per-layer breakdown uses this machine's ONNX Runtime profiler, the target is {device.Address}");
        return (results, "ran");
    }

    private static LatencySummary Summary(BenchmarkReport r, int batch) =>
        // The agent returns statistics, not each run (as trtexec): the samples stay empty.
        new(r.Iterations, r.MeanMs, r.P50Ms, r.P90Ms, r.P99Ms, r.MinMs, r.MaxMs, batch * 1000 / r.MeanMs, []);

    /// <summary>
    /// Dense and pruned as TensorRT engines built by trtexec from the exported ONNX files, timed by trtexec at the target
    /// batch (one after the other, not taking turns: trtexec times one engine per process). Null, and said why, when
    /// trtexec fails or prints no 90th/99th percentile.
    /// </summary>
    private static BatchLatency? TensorRtLatency(string trtexec, PipelineConfig c, string folder, string denseOnnx, string prunedOnnx, IPipelineObserver observer,
        CancellationToken cancellation)
    {
        var batch = c.Target.Batch;
        string? shapes;
        using (var probe = EngineFactory.Creator(c.Target.Engine, prunedOnnx, 1)())
        {
            var input = probe.Inputs[0];
            if (input.Shape[0] > 0 && input.Shape[0] != batch)
            {
                observer.Info($"TensorRT: not timed — the exported models have a fixed batch of {input.Shape[0]}, the target batch is {batch}");
                return null;
            }

            shapes = input.Shape[0] > 0 ? null : $"{input.Name}:{batch}x{string.Join("x", input.Shape.Skip(1))}";
        }

        try
        {
            var summaries = observer.WithProgress($"TensorRT at batch {batch}: building and timing dense and pruned engines with trtexec", _ =>
                new[] { (denseOnnx, "dense.engine"), (prunedOnnx, "pruned.engine") }
                    .Select(m => Trtexec.BuildAndTime(trtexec, m.Item1, Path.Combine(folder, m.Item2), c.Benchmark.Seconds, shapes, cancellation)).ToArray());
            var measured = new BatchLatency(batch, "tensorrt", Summary(summaries[0].Latency, batch), Summary(summaries[1].Latency, batch));
            observer.Info($"benchmark TensorRT batch {batch}: dense p50 {measured.Dense.P50Ms:F3} ms, pruned p50 {measured.Pruned.P50Ms:F3} ms, speed-up {measured.Speedup:F2}×");
            return measured;
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException)
        {
            observer.Info($"TensorRT: not timed — {e.Message}");
            return null;
        }
    }

    private static LatencySummary Summary(TrtexecLatency l, int batch)
    {
        double Percentile(double p) => l.Percentiles.TryGetValue(p, out var v)
            ? v
            : throw new InvalidDataException($"trtexec printed no {p}th latency percentile (TensorRT 10 prints 90, 95 and 99)");

        // trtexec reports statistics, not each run: the run count and samples stay empty.
        return new LatencySummary(0, l.MeanMs, l.MedianMs, Percentile(90), Percentile(99), l.MinMs, l.MaxMs, batch * 1000 / l.MeanMs, []);
    }

    private static LatencySummary Summary(LatencyStatistics s, int batch)
    {
        // Every timed run (results.json promises them all; 10 s of a sub-millisecond model is some 10k numbers).
        // Throughput over the timed runs: batch · runs / their summed time = batch · 1000 / mean.
        return new LatencySummary(s.Count, s.Mean, s.Percentile(50), s.Percentile(90), s.Percentile(99), s.Min, s.Max, batch * 1000 / s.Mean, s.Sorted.ToList());
    }

    /// <summary>The dense model as the benchmarks deploy it: the .onnx given, or the graph exported beside the run's files.</summary>
    private static string DenseOnnx(string folder, string dense)
    {
        if (EngineFactory.IsOnnxFile(dense)) return dense;
        var denseOnnx = Path.Combine(folder, "dense.onnx");
        using var file = GraphFile.Load(dense);
        AtomicFile.WriteAllBytes(denseOnnx, OnnxExporter.Export(file.Graph, new OnnxExportOptions()));
        return denseOnnx;
    }

    private static Dictionary<string, string> Environment(PipelineConfig c, IRemoteDevice? remote)
    {
        if (remote is not null)
        {
            var there = remote.Fingerprint(c.Target.Engine, 0, c.Target.Batch);
            var environment = new Dictionary<string, string>
            {
                ["device"] = there.ToString(),
                ["agent"] = remote.Address.ToString().TrimEnd('/'),
                ["cpu"] = there.CpuModel,
                ["cores"] = there.Cores.ToString(CultureInfo.InvariantCulture),
                ["os"] = RuntimeInformation.OSDescription + " (this machine: the build; the measurements are the agent's)",
                ["onnxRuntime"] = there.EngineVersion,
                ["libtorch"] = Torch.Libtorch.Version,
                ["threads"] = there.Threads.ToString(CultureInfo.InvariantCulture),
                ["profile"] = c.Target.Profile == "auto"
                    ? LatencyProfiles.DeviceProfilePath(remote.Address, c.Target.Engine, there.Cores, c.Target.Batch) + $" (measured on {remote.Address})"
                    : c.Target.Profile,
                ["tool"] = ToolRevision(),
            };
            if (there.Gpu is { } gpu) environment["gpu"] = gpu;
            return environment;
        }

        var device = LatencyProfiles.Here(c.Target.Engine, 0, c.Target.Batch);
        return new Dictionary<string, string>
        {
            ["device"] = device.ToString(),
            ["cpu"] = device.CpuModel,
            ["cores"] = System.Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
            ["os"] = RuntimeInformation.OSDescription,
            ["onnxRuntime"] = OrtEngine.Version,
            ["libtorch"] = Torch.Libtorch.Version,
            ["threads"] = System.Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
            ["profile"] = c.Target.Profile == "auto" ? LatencyProfiles.AutoProfilePath(c.Target.Engine, c.Target.Batch) + " (measured on this machine)" : c.Target.Profile,
            ["tool"] = ToolRevision(),
        };
    }

    /// <summary>The git revision of the tool's source tree when it runs from one, else its assembly version.</summary>
    private static string ToolRevision()
    {
        try
        {
            var start = new ProcessStartInfo("git", "rev-parse --short HEAD") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
            using var git = Process.Start(start);
            if (git is not null && git.WaitForExit(5000) && git.ExitCode == 0) return git.StandardOutput.ReadToEnd().Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // no git on this host
        }

        return typeof(PipelineRunner).Assembly.GetName().Version?.ToString() ?? "unknown";
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    /// <summary>The test set's size in the stage settings, only when configured (so earlier runs' records stay valid).</summary>
    private static string TestImages(PipelineConfig c) => c.Train.TestImages is { } n ? Invariant($", {n} test images") : "";
}
