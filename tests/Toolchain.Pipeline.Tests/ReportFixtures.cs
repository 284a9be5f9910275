using Toolchain.Pipeline.Report;

namespace Toolchain.Pipeline.Tests;

/// <summary>
/// A report as a real run would fill it: ResNet-20 pruned by hfp to 50 % of its predicted latency on ort-cpu at batch 1,
/// measured there and on libtorch (which has no per-node profile), with a trail of pruning, the cut and fine-tuning, and
/// a measured-latency gate that fails (the prediction met the budget, the deployed engine missed it by a hair). Numbers
/// are of the size this machine measures; the samples come from a seeded generator so every run renders the same page.
/// </summary>
internal static class ReportFixtures
{
    public static RunReport Realistic()
    {
        var random = new Random(20261130);
        var groups = new List<GroupWidth> { new("conv1 (+6 coupled)", 16, 14, true) };
        int[] stageWidths = [16, 32, 64];
        int[][] kept = [[9, 7, 11], [18, 15, 20], [35, 30, 41]];
        for (var stage = 0; stage < 3; stage++)
        {
            if (stage > 0) groups.Add(new GroupWidth($"layer{stage + 1}.0.conv2 (+5 coupled)", stageWidths[stage], stageWidths[stage] * 3 / 4, true));
            for (var block = 0; block < 3; block++)
            {
                groups.Add(new GroupWidth($"layer{stage + 1}.{block}.conv1", stageWidths[stage], kept[stage][block], true));
            }
        }

        groups.Add(new GroupWidth("fc", 10, 10, false));

        var trail = new List<TrailPoint>();
        for (var epoch = 1; epoch <= 10; epoch++)
        {
            var shrink = epoch / 10.0;
            trail.Add(new TrailPoint("prune", epoch, 0.452 - 0.231 * shrink, (long)(40.8e6 - 21.5e6 * shrink), (long)(272_474 - 131_000 * shrink),
                0.918 - 0.055 * shrink + random.NextDouble() * 0.006, epoch >= 9));
        }

        trail.Add(new TrailPoint("cut", 0, 0.221, 19_300_000, 141_474, 0.842, true));
        for (var epoch = 1; epoch <= 5; epoch++)
        {
            trail.Add(new TrailPoint("finetune", epoch, 0.221, 19_300_000, 141_474, 0.884 + 0.005 * epoch + random.NextDouble() * 0.003, true));
        }

        var denseOrt = Measurement(random, 0.447, 0.452, batch: 1);
        var prunedOrt = Measurement(random, 0.236, 0.221, batch: 1);
        var denseTorch = Measurement(random, 3.41, null, batch: 1);
        var prunedTorch = Measurement(random, 2.02, null, batch: 1);
        // As the pipeline's per-layer benchmark reports them: layers named by their first node with the kernels ONNX Runtime
        // ran for them, the layout conversions in one row, and a kernel outside every layer (Flatten) without a prediction.
        var layers = new List<LayerLatency>();
        foreach (var group in groups.Where(g => g.Group.Contains("conv1", StringComparison.Ordinal) && g.Group.StartsWith("layer", StringComparison.Ordinal)))
        {
            var name = group.Group.Split(' ')[0];
            var block = name[..name.LastIndexOf('.')];
            var measured = 0.004 + 0.00035 * group.Pruned * (1 + random.NextDouble() * 0.2);
            layers.Add(new LayerLatency(name, measured * (0.85 + random.NextDouble() * 0.3), measured, [$"{block}.relu1_nchwc"]));
            var second = 0.003 + 0.0004 * group.Dense * (1 + random.NextDouble() * 0.2);
            layers.Add(new LayerLatency($"{block}.conv2", second * (0.85 + random.NextDouble() * 0.3), second, [$"{block}.bn2_nchwc"]));
        }

        layers.Add(new LayerLatency("avgpool", 0.0021, 0.0025, ["avgpool_nchwc"]));
        layers.Add(new LayerLatency("fc", 0.0032, null, []));
        layers.Add(new LayerLatency("layout conversions", 0.0041, 0.0035, ["ReorderOutput", "ReorderOutput_token_3"]));
        layers.Add(new LayerLatency("flatten", null, 0.002, ["flatten"]));
        var layerErrors = LayerErrorSummary.From(layers, "median kernel time over 300 profiled runs after 50 warm-up runs (ONNX Runtime's per-node profiler, µs resolution)",
            "from profiles/ort-cpu-2core-b1.json at the pruned widths");

        return new RunReport(
            RunReport.CurrentSchemaVersion,
            new RunInfo("b08593c+dirty", new DateTimeOffset(2026, 12, 1, 9, 12, 5, TimeSpan.Zero), new DateTimeOffset(2026, 12, 1, 10, 3, 41, TimeSpan.Zero),
                "pipelines/resnet20-latency50.yaml", "runs/resnet20-latency50"),
            new EnvironmentInfo(
                "ort-cpu 1.31.1, Intel(R) Xeon(R) Processor @ 2.20GHz, 2 cores, 2 threads, batch 1, float32",
                "Intel(R) Xeon(R) Processor @ 2.20GHz", 2, 2, "Debian GNU/Linux 12 (bookworm)", null,
                [new EngineVersion("ONNX Runtime", "1.31.1"), new EngineVersion("libtorch", "1.13.1")],
                new TensorRtStatus(false, null, ["libnvinfer.so.10", "trtexec"]),
                new ProfileUse("profiles/ort-cpu-2core-b1.json", "ort-cpu 1.31.1, Intel(R) Xeon(R) Processor @ 2.20GHz, 2 cores, 2 threads, batch 1, float32", true, [])),
            new ModelInfo("resnet20", "checkpoints/resnet20-fashion.ckpt"),
            "hfp",
            [
                new BudgetResult("latency=50%", "ms", 0.226, 0.221, 0.236, false, 0.226 - 0.236),
                new BudgetResult("params=60%", "parameters", 163_484, null, 141_474, true, 163_484 - 141_474),
            ],
            new AccuracyComparison(new ModelAccuracy(0.9182, 0.9984, 10_000), new ModelAccuracy(0.9071, 0.9979, 10_000), 0.842),
            new CostComparison(new ModelCost(272_474, 40_800_000, 0.452), new ModelCost(141_474, 19_300_000, 0.221)),
            [
                new EngineLatency("ort-cpu", 1, denseOrt, prunedOrt, layers, layerErrors),
                new EngineLatency("libtorch-cpu", 1, denseTorch, prunedTorch, []),
            ],
            groups,
            new TrailSummary(trail, trail.Count - 1),
            [
                new GateResult("accuracy-drop", 1.11, 2.0, null, "%", true, "top-1 fell 1.11 points (91.82 % → 90.71 %), within the 2 points allowed"),
                new GateResult("latency-measured", 0.236, 0.226, 0.005, "ms", false, "p50 on ort-cpu is 0.236 ms, over the 0.226 ms budget by more than the 0.005 ms tolerance"),
                new GateResult("parity", 2.4e-6, 1e-4, null, "", true, "pruned.onnx on ONNX Runtime agrees with the executor to 2.4e-6"),
            ],
            [
                new ParityCheck("pruned.onnx on ort-cpu", "executor (libtorch)", 2.4e-6, 1e-4, "a seeded random batch, at export"),
                new ParityCheck("pruned.onnx on ort-cpu", "executor (libtorch) on the pruned graph", 7.6e-6, 1e-4, "256 test images of fashion-mnist", 1.0),
            ],
            [
                new Artifact("pruned.onnx", 571_392, "pruned model (ONNX, IR 8, opset 17)"),
                new Artifact("pruned.graph", 580_114, "pruned model (graph checkpoint)"),
                new Artifact("trail.json", 48_213, "pruning trail"),
                new Artifact("results.json", 61_877, "this report as data"),
                new Artifact("junit.xml", 1_402, "gates as JUnit XML"),
            ]);
    }

    /// <summary>Latency samples around <paramref name="medianMs"/> with a right tail, as a timed loop on a shared machine records them.</summary>
    private static LatencyMeasurement Measurement(Random random, double medianMs, double? predictedMs, int batch)
    {
        var samples = new double[400];
        for (var i = 0; i < samples.Length; i++)
        {
            var noise = (random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5) * 0.05;
            var tail = random.NextDouble() < 0.04 ? random.NextDouble() * 0.5 : 0;
            samples[i] = Math.Round(medianMs * (1 + noise + tail), 5);
        }

        return LatencyMeasurement.From(samples, batch * 1000 / samples.Average(), predictedMs);
    }
}
