using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Profiling;
using Toolchain.Pruning;
using Toolchain.Runtime;
using Toolchain.TestSupport;

namespace Toolchain.Profiling.Tests;

/// <summary>The deployment model against the real ONNX Runtime: the kernels it predicts are the kernels ORT runs.</summary>
public sealed class OrtDeploymentTests
{
    [Theory]
    [InlineData("resnet20", 3)]
    [InlineData("mobilenet_v2_cifar", 4)]
    public void Plan_AtRandomWidths_MatchesTheKernelsOnnxRuntimeRuns(string model, int seed)
    {
        var deployment = new OrtCpuEngine(2).Deployment;
        if (deployment is not OrtNchwcDeployment) return; // a CPU without NCHWc kernels runs every layer as written
        foreach (var (plan, kernels) in CompactedAtRandomWidths(() => ModelZoo.Create(model), deployment, seed))
        {
            int Count(Func<OrtTrace.NodeCalls, bool> which) => kernels.Count(which);
            Assert.Equal(plan.Count(i => i.Config.Reorder == "output"), Count(n => n.Op == "ReorderOutput"));
            Assert.Equal(plan.Count(i => i.Config.Reorder == "input"), Count(n => n.Op == "ReorderInput"));
            Assert.Equal(plan.Count(i => i.Config.Op == OpKind.Conv && i.Config.Variant != "plain"),
                Count(n => n.Op == "Conv" && n.Node.EndsWith("_nchwc", StringComparison.Ordinal)));
            Assert.Equal(plan.Count(i => i.Config.Op == OpKind.Conv && i.Config.Variant == "plain"),
                Count(n => n.Op is "FusedConv" || (n.Op == "Conv" && !n.Node.EndsWith("_nchwc", StringComparison.Ordinal))));
            Assert.Equal(plan.Where(i => i.Config.Op == OpKind.Add).Sum(i => i.Kernels), Count(n => n.Op is "Add" or "Relu" or "Clip"));
            // Everything else ORT runs is one Flatten (no layer; the calibration's offset).
            Assert.Equal(plan.Sum(i => i.Kernels) + 1, kernels.Count);
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    public void Plan_ConvNeXtLikeAtRandomWidths_ChargesEachLayerNormItsKernelAndTheTransposesLeft(int seed)
    {
        var deployment = new OrtCpuEngine(2).Deployment;
        if (deployment is not OrtNchwcDeployment) return; // a CPU without NCHWc kernels runs every layer as written
        foreach (var (plan, kernels) in CompactedAtRandomWidths(TestProfiles.ConvNeXtLike, deployment, seed))
        {
            int Count(Func<OrtTrace.NodeCalls, bool> which) => kernels.Count(which);
            // Each LayerNorm is one LayerNormalization kernel plus the Transposes ONNX Runtime does not fold into a
            // reorder: here 3 of 8 (out of the stem's LayerNorm, whose output the residual Add reads in NCHW; into the
            // downsampling LayerNorm, which reads that plain Add; out of the head's, before the Flatten).
            var layerNorms = plan.Where(i => i.Config.Op == OpKind.LayerNorm).ToList();
            Assert.Equal(4, layerNorms.Count);
            Assert.Equal(layerNorms.Count, Count(n => n.Op == "LayerNormalization"));
            Assert.Equal(layerNorms.Sum(i => i.Kernels - 1), Count(n => n.Op == "Transpose"));
            Assert.Equal(3, Count(n => n.Op == "Transpose"));
            Assert.Equal(plan.Count(i => i.Config.Reorder == "output"), Count(n => n.Op == "ReorderOutput"));
            Assert.Equal(plan.Count(i => i.Config.Reorder == "input"), Count(n => n.Op == "ReorderInput"));
            // Everything else ORT runs is one Flatten (no layer; the calibration's offset).
            Assert.Equal(plan.Sum(i => i.Kernels) + 1, kernels.Count);
        }
    }

    /// <summary>Few samples, no refinement, a short calibration: seconds per tiny model.</summary>
    private static readonly ProfilerOptions Quick = new()
    {
        Warmup = 1, Runs = 3, MaxInitialPoints = 2, Refine = false, Passes = 1, CalibrationSamples = 2,
        Calibration = new ModelMeasurement(MinRounds: 2, Runs: 3, Warmup: 1, MinSeconds: 0),
    };

    [Fact]
    public void Profiler_ConvNeXtLikeModel_TimesItsLayerNormsAndPredictsIt()
    {
        var engine = new OrtCpuEngine(2);
        var profiler = new Profiler(engine, 1, Quick);
        var profile = profiler.NewProfile();
        var result = profiler.Profile(profile, TestProfiles.ConvNeXtLike);
        Assert.Equal("convnext_like", result.Model);

        // One table over the channels per input size: the three LayerNorms at 8×8 share one, the head's at 1×1 has its own.
        var keys = result.Configurations.Select(c => c.Key).Where(k => k.StartsWith("LayerNorm", StringComparison.Ordinal)).Order().ToList();
        Assert.Equal(["LayerNorm @1x1", "LayerNorm @8x8"], keys);
        Assert.All(keys, k =>
        {
            var table = profile.Layers[k];
            Assert.Equal(["channels"], table.Config.AxisNames);
            Assert.Single(table.Table.Axes.Single()); // a LayerNorm's channels are unprunable: its full width only
        });

        using var graph = TestProfiles.ConvNeXtLike();
        var groups = ChannelGroups.Discover(graph);
        var predictor = new LatencyPredictor(profile, groups);
        Assert.Equal(CalibrationSource.Measured, predictor.CalibrationSource);
        var full = predictor.Total(groups.FullWidths());
        Assert.True(full > 0);
    }

    /// <summary>
    /// Two random width assignments of the model <paramref name="create"/> builds: per assignment, the deployment's plan
    /// for those widths and the kernels ONNX Runtime runs for the model compacted to them.
    /// </summary>
    private static IEnumerable<(IReadOnlyList<CostItem> Plan, IReadOnlyList<OrtTrace.NodeCalls> Kernels)> CompactedAtRandomWidths(
        Func<ModelGraph> create, Deployment deployment, int seed)
    {
        using var dense = create();
        foreach (var widths in PredictionValidator.RandomWidths(ChannelGroups.Discover(dense), 2, seed))
        {
            using var graph = create();
            var groups = ChannelGroups.Discover(graph);
            var shapes = groups.PredictShapes(widths);
            var plan = deployment.Plan(new ModelStructure(graph), v => shapes.Value(v)[1]);
            var masks = new GroupMasks(groups);
            foreach (var g in groups.Prunable.Where(g => widths[g.Id] < g.Channels)) masks.KeepOnly(g.Id, Enumerable.Range(0, widths[g.Id]));
            Compactor.Compact(groups, masks);
            yield return (plan, RunOnce(graph));
        }
    }

    private static IReadOnlyList<OrtTrace.NodeCalls> RunOnce(ModelGraph graph)
    {
        using var dir = new TempDirectory();
        var onnx = OnnxExporter.Export(graph, new OnnxExportOptions { FoldBatchNorm = true });
        var shape = graph.InputShape;
        using (var engine = OrtEngine.Load(onnx, graph.Name, new OrtEngineOptions { IntraOpThreads = 2, EnableProfiling = true }))
        {
            engine.Run([new HostTensor(shape, new float[HostTensor.ElementCount(shape)])]);
            engine.EndProfiling(dir.File("trace.json"));
        }

        return OrtTrace.Read(dir.File("trace.json"));
    }

    [Fact]
    public void Profiler_TinyModel_MeasuresEverythingThePredictorNeeds()
    {
        var engine = new OrtCpuEngine(2);
        var profiler = new Profiler(engine, 1, Quick);
        var profile = profiler.NewProfile();
        var result = profiler.Profile(profile, TestProfiles.Tiny);
        Assert.Equal("tiny", result.Model);
        Assert.All(result.Configurations, c => Assert.False(c.Reused));
        Assert.Equal(1 + 4 + 1 + 2, result.Calibration.Points.Count); // dense, uniform 25/50/75/90 % removed, narrowest, 2 random
        Assert.All(result.Calibration.Points, p => Assert.True(p.MeasuredMs > 0 && p.LayersMs > 0));

        using var graph = TestProfiles.Tiny();
        var predictor = new LatencyPredictor(profile, ChannelGroups.Discover(graph));
        Assert.Equal(CalibrationSource.Measured, predictor.CalibrationSource);
        Assert.True(predictor.Total(ChannelGroups.Discover(graph).FullWidths()) > 0);

        // A second model with the same layers reuses every table.
        var again = profiler.Profile(profile, TestProfiles.Tiny);
        Assert.All(again.Configurations, c => Assert.True(c.Reused));
    }

    [Fact]
    public void TorchEngine_TimesLayersAsTheyAreWritten()
    {
        var engine = new TorchCpuEngine(2);
        Assert.IsType<EagerDeployment>(engine.Deployment);
        var conv = new LayerConfig { Op = OpKind.Conv, Kernel = [3, 3], Stride = [1, 1], Padding = [1, 1], Dilation = [1, 1], InputSize = [8, 8], BatchNorm = true, Residual = true, Activation = OpKind.Relu };
        var ms = engine.TimeLayer(conv, [8, 8], 1, 2, 5);
        Assert.True(ms >= 0 && ms < 1000, $"{ms} ms");
        var layerNorm = engine.TimeLayer(new LayerConfig { Op = OpKind.LayerNorm, InputSize = [8, 8] }, [16], 1, 2, 5);
        Assert.True(layerNorm >= 0 && layerNorm < 1000, $"LayerNorm: {layerNorm} ms");
        Assert.Throws<ArgumentException>(() => engine.TimeLayer(OrtNchwcDeployment.ReorderConfig("output", [8, 8]), [8], 1, 1, 1));
    }

    /// <summary>
    /// A layer is timed after a twin of itself: both copies must survive ONNX Runtime's graph optimisation (identical
    /// weightless ops would be merged into one) and run as the same kernels.
    /// </summary>
    [Fact]
    public void SingleLayerModels_OnOnnxRuntime_RunTheLayerAndItsTwin()
    {
        LayerConfig Conv(string variant, bool residual) => new()
        {
            Op = OpKind.Conv, Kernel = [3, 3], Stride = [1, 1], Padding = [1, 1], Dilation = [1, 1], InputSize = [8, 8],
            BatchNorm = true, Residual = residual, Activation = OpKind.Relu, Variant = variant,
        };
        var configs = new (LayerConfig Config, int[] Dims)[]
        {
            (Conv("blocked", residual: false), [16, 16]),
            (Conv("plain", residual: true), [18, 16]),
            (new LayerConfig { Op = OpKind.GlobalAveragePool, InputSize = [8, 8], Variant = "blocked" }, [16]),
            (new LayerConfig { Op = OpKind.Add, InputSize = [8, 8], Activation = OpKind.Relu, Variant = "plain" }, [16]),
            (new LayerConfig { Op = OpKind.Gemm }, [16, 10]),
            (new LayerConfig { Op = OpKind.LayerNorm, InputSize = [8, 8] }, [16]),
        };
        foreach (var (config, dims) in configs)
        {
            var feeders = UnitGraphs.OrtFeeders(config);
            using var graph = UnitGraphs.Build(config, dims, 1, feeders);
            var kernels = RunOnce(graph).Where(n => !n.Op.StartsWith("Reorder", StringComparison.Ordinal)).ToList();
            var layer = kernels.Where(n => n.Node.StartsWith(UnitGraphs.LayerName, StringComparison.Ordinal)).Select(n => n.Op).ToList();
            var twin = kernels.Where(n => n.Node.StartsWith(UnitGraphs.TwinName, StringComparison.Ordinal)).Select(n => n.Op).ToList();
            Assert.True(layer.Count > 0, $"{config.Key}: no kernel of the layer in {string.Join(", ", kernels.Select(n => n.Node))}");
            Assert.Equal(layer, twin);
        }

        Assert.True(new OrtCpuEngine(2).TimeLayer(configs[1].Config, configs[1].Dims, 1, 1, 3) > 0);
    }

    [Fact]
    public void Engines_UnknownOrUnavailable_SayWhy()
    {
        Assert.Contains("known: ort-cpu, torch, torch-cuda", Assert.Throws<ArgumentException>(() => ProfileEngines.Create("tpu")).Message);
        if (!Torch.Libtorch.CudaIsAvailable)
        {
            var e = Assert.Throws<NotSupportedException>(() => ProfileEngines.Create("torch-cuda"));
            Assert.Contains("no CUDA device", e.Message);
        }
    }
}
