using Toolchain.Graph;
using Toolchain.Profiling;
using Toolchain.Pruning;

namespace Toolchain.Profiling.Tests;

public sealed class LatencyPredictorTests
{
    [Fact]
    public void Decompose_FusesBatchNormAddAndActivationIntoTheirConv()
    {
        using var graph = TestProfiles.Tiny();
        var units = LayerUnits.Decompose(graph);
        Assert.Equal(["stem", "mid", "back", "pool", "fc"], units.Select(u => u.Name));
        var back = units[2];
        Assert.Equal(["back", "back_bn", "add", "add_relu"], back.Nodes.Select(n => n.Name));
        Assert.Equal("Conv 3 s1 p1 d1 @8x8 +bn +add +Relu", back.Config.Key);
        Assert.Equal("stem_relu", back.ResidualOperand);
        Assert.True(units[0].Config.ReadsGraphInput);
    }

    [Fact]
    public void Decompose_ResNet56_SharesFewConfigurations()
    {
        using var graph = ModelZoo.Create("resnet56");
        var units = LayerUnits.Decompose(graph);
        Assert.Equal(57 + 2, units.Count); // 55 block convs + stem + 2 shortcuts, the pool, the classifier
        Assert.InRange(units.Select(u => u.Config.Key).Distinct().Count(), 8, 14);
    }

    [Fact]
    public void Predict_EagerSum_EqualsTheSumOfTheKnownTables()
    {
        using var graph = TestProfiles.Tiny();
        var profile = TestProfiles.For(graph, new EagerDeployment());
        var groups = ChannelGroups.Discover(graph);
        var predictor = new LatencyPredictor(profile, groups);
        Assert.Equal(CalibrationSource.None, predictor.CalibrationSource);

        foreach (var widths in new[] { groups.FullWidths() }.Concat(PredictionValidator.RandomWidths(groups, 5, 3)))
        {
            var shapes = groups.PredictShapes(widths);
            var expected = LayerUnits.Decompose(graph).Sum(u => TestProfiles.Synthetic(u.Config, u.AxisValues.Select(v => (double)shapes.Value(v)[1]).ToArray()));
            var prediction = predictor.Predict(widths);
            Assert.Equal(expected, prediction.TotalMs, 12);
            Assert.Equal(prediction.TotalMs, prediction.Layers.Sum(l => l.Ms), 12);
        }
    }

    [Fact]
    public void Predict_AppliesTheModelsCalibration()
    {
        using var graph = TestProfiles.Tiny();
        var calibration = new ModelCalibration("tiny", Profiler.Topology(graph), 5, 1.2, 0.03, 0.001, [new CalibrationPoint("dense", 1, 1, 5)]);
        var raw = new LatencyPredictor(TestProfiles.For(graph, new EagerDeployment()), ChannelGroups.Discover(graph));
        var calibrated = new LatencyPredictor(TestProfiles.For(graph, new EagerDeployment(), calibration), ChannelGroups.Discover(graph));
        var widths = ChannelGroups.Discover(graph).FullWidths();
        var rawPrediction = raw.Predict(widths);
        Assert.Equal(CalibrationSource.Measured, calibrated.CalibrationSource);
        Assert.Equal(1.2 * rawPrediction.TotalMs - 0.001 * rawPrediction.Kernels + 0.03, calibrated.Total(widths), 12);
    }

    [Fact]
    public void Predict_UncalibratedModel_UsesTheProfilesAverageAndSaysSo()
    {
        using var graph = TestProfiles.Tiny();
        var other = new ModelCalibration("other", "0000", 10, 1.0, 0.05, 0, [new CalibrationPoint("dense", 1, 1, 10)]);
        var predictor = new LatencyPredictor(TestProfiles.For(graph, new EagerDeployment(), other), ChannelGroups.Discover(graph));
        Assert.Equal(CalibrationSource.AveragePerLayer, predictor.CalibrationSource);
        Assert.Equal(0.05 / 10 * 5, predictor.OffsetMs, 12);
        Assert.Contains("toolchain profile tiny", predictor.CalibrationNote);
    }

    [Fact]
    public void Calibration_WithWidths_IsRefittedAgainstTheCurrentTables()
    {
        using var graph = TestProfiles.Tiny();
        var groups = ChannelGroups.Discover(graph);
        var raw = new LatencyPredictor(TestProfiles.For(graph, new EagerDeployment()), groups);
        var assignments = PredictionValidator.RandomWidths(groups, 6, 5).Prepend(groups.FullWidths()).ToList();
        // Measurements that a known calibration explains exactly at today's tables; the stored layer sums are stale
        // (as if a table was re-measured after the fit) and the stored coefficients wrong.
        var points = assignments.Select((w, i) =>
        {
            var (layersMs, kernels) = raw.RawSum(w);
            return new CalibrationPoint($"p{i}", 1.15 * layersMs - 0.002 * kernels + 0.04, layersMs * 1.3, kernels, w);
        }).ToList();
        var stale = new ModelCalibration("tiny", Profiler.Topology(graph), raw.Units.Count, 0.7, 0.5, 0, points);

        var profile = TestProfiles.For(graph, new EagerDeployment(), stale);
        var predictor = new LatencyPredictor(profile, groups);
        // (The tiny model runs the same number of kernels at every width here, so per-kernel term and offset are one.)
        Assert.Equal(1.15, predictor.Scale, 6);
        foreach (var p in points) Assert.Equal(p.MeasuredMs, predictor.Total(p.Widths!), 6);

        // The profiler stores the same refit, so the file says what predictors use.
        Profiler.RefitCalibration(profile, graph);
        var stored = Assert.Single(profile.Calibrations);
        Assert.Equal(predictor.Scale, stored.Scale, 9);
        Assert.Equal(predictor.OffsetMs, stored.OffsetMs, 9);
        Assert.Equal(points.Select(p => raw.RawSum(p.Widths!).LayersMs), stored.Points.Select(p => p.LayersMs));

        // Without widths the stored fit is all there is, and the note says so.
        var old = stale with { Points = points.Select(p => p with { Widths = null }).ToList() };
        var asStored = new LatencyPredictor(TestProfiles.For(graph, new EagerDeployment(), old), groups);
        Assert.Equal((0.7, 0.5), (asStored.Scale, asStored.OffsetMs));
        Assert.Contains("fit as stored", asStored.CalibrationNote);
    }

    [Fact]
    public void CompactedCopy_IsPredictedWithTheDenseModelsCalibration_AsTheDenseModelAtItsWidths()
    {
        // A compacted model has the dense model's name and topology, so it finds the dense model's calibration; its
        // points (dense widths) do not fit its narrower groups, so the fit stays as stored instead of being refitted
        // at widths the compacted graph cannot express (that once predicted a pruned ResNet-20 at twice its latency).
        using var dense = TestProfiles.Tiny();
        var denseGroups = ChannelGroups.Discover(dense);
        var raw = new LatencyPredictor(TestProfiles.For(dense, new EagerDeployment()), denseGroups);
        var assignments = PredictionValidator.RandomWidths(denseGroups, 6, 7).Prepend(denseGroups.FullWidths()).ToList();
        var points = assignments.Select((w, i) =>
        {
            var (layersMs, kernels) = raw.RawSum(w);
            return new CalibrationPoint($"p{i}", 1.15 * layersMs - 0.002 * kernels + 0.04, layersMs, kernels, w);
        }).ToList();
        var (scale, offset, perKernel) = ModelCalibration.Fit(points);
        var calibration = new ModelCalibration("tiny", Profiler.Topology(dense), raw.Units.Count, scale, offset, perKernel, points);
        var profile = TestProfiles.For(dense, new EagerDeployment(), calibration);
        var densePredictor = new LatencyPredictor(profile, denseGroups);

        // One channel per group, as a tight budget leaves many: such a group is no longer prunable in the compacted graph.
        var widths = denseGroups.Groups.Select(g => g.Prunable ? 1 : g.Channels).ToArray();
        using var compacted = TestProfiles.Tiny();
        var groups = ChannelGroups.Discover(compacted);
        var masks = new GroupMasks(groups);
        foreach (var g in groups.Prunable.Where(g => widths[g.Id] < g.Channels)) masks.KeepOnly(g.Id, Enumerable.Range(0, widths[g.Id]));
        Compactor.Compact(groups, masks);
        Assert.Equal(Profiler.Topology(dense), Profiler.Topology(compacted));

        var compactedGroups = ChannelGroups.Discover(compacted);
        var predictor = new LatencyPredictor(profile, compactedGroups);
        Assert.Equal(CalibrationSource.Measured, predictor.CalibrationSource);
        Assert.Equal(densePredictor.Scale, predictor.Scale, 9);
        Assert.Equal(densePredictor.Total(widths), predictor.Total(compactedGroups.FullWidths()), 9);
    }

    [Fact]
    public void ProbeAtCalibration_IsTheModelsOwn_ElseTheMedianOfTheProfiles_ElseNone()
    {
        using var graph = TestProfiles.Tiny();
        var groups = ChannelGroups.Discover(graph);
        ModelCalibration Calibration(string model, string topology, double? probe) =>
            new(model, topology, 5, 1, 0, 0, [new CalibrationPoint("dense", 1, 1, 5)], probe);
        var topology = Profiler.Topology(graph);

        var own = new LatencyPredictor(TestProfiles.For(graph, new EagerDeployment(), Calibration("tiny", topology, 0.09)), groups);
        Assert.Equal(0.09, own.ProbeAtCalibrationMs);

        var others = TestProfiles.For(graph, new EagerDeployment(), Calibration("a", "1", 0.08));
        others.SetCalibration(Calibration("b", "2", 0.12));
        others.SetCalibration(Calibration("c", "3", 0.10));
        others.SetCalibration(Calibration("d", "4", null));
        Assert.Equal(0.10, new LatencyPredictor(others, groups).ProbeAtCalibrationMs);

        var old = new LatencyPredictor(TestProfiles.For(graph, new EagerDeployment(), Calibration("tiny", topology, null)), groups);
        Assert.Null(old.ProbeAtCalibrationMs);
    }

    [Fact]
    public void ValidationSample_ScalesThePredictionByTheMachinesSpeed()
    {
        var speed = new MachineSpeed(ProbeAtCalibrationMs: 0.10, ProbeNowMs: 0.11);
        Assert.Equal(1.1, speed.Factor, 12);
        var sample = new ValidationSample("dense", [4], PredictedMs: 1.0, MeasuredMs: 1.05, speed.Factor);
        Assert.Equal(1.1, sample.PredictedNowMs, 12);
        Assert.Equal((1.1 - 1.05) / 1.05 * 100, sample.ErrorPercent, 9);
        Assert.Equal((1.0 - 1.05) / 1.05 * 100, sample.UnadjustedErrorPercent, 9);

        var report = new ValidationReport("m", "ort-cpu", [sample, sample with { MeasuredMs = 1.2 }], speed);
        Assert.Equal((Math.Abs(sample.ErrorPercent) + Math.Abs((1.1 - 1.2) / 1.2 * 100)) / 2, report.MeanAbsolutePercentageError, 9);
        Assert.Equal((Math.Abs(sample.UnadjustedErrorPercent) + Math.Abs((1.0 - 1.2) / 1.2 * 100)) / 2, report.UnadjustedMeanAbsolutePercentageError, 9);
    }

    [Fact]
    public void ValidationReport_Recalibrated_AveragesOnlyTheSamplesTheFitDidNotSee()
    {
        var calibration = new ModelCalibration("m", "t", 1, Scale: 1, OffsetMs: 0, PerKernelMs: 0, Points: []);
        ValidationSample[] samples =
        [
            new("dense", [4], PredictedMs: 1.0, MeasuredMs: 1.0, RecalibratedMs: 1.5, FitPoint: true), // a residual: left out
            new("random 1", [3], PredictedMs: 1.0, MeasuredMs: 1.0, RecalibratedMs: 1.02),
            new("random 2", [2], PredictedMs: 1.0, MeasuredMs: 2.0, RecalibratedMs: 1.9),
        ];
        var report = new ValidationReport("m", "ort-cpu", samples, Speed: null, calibration);
        Assert.Equal(2.0, samples[1].RecalibratedErrorPercent!.Value, 9);
        Assert.Equal(-5.0, samples[2].RecalibratedErrorPercent!.Value, 9);
        Assert.Equal(3.5, report.RecalibratedMeanAbsolutePercentageError!.Value, 9);
        Assert.Equal(5.0, report.RecalibratedMaxAbsolutePercentageError!.Value, 9);

        // Without a recalibration there is nothing to report, and the stored calibration's error is unchanged.
        var stored = report with { Recalibration = null, Samples = samples.Select(s => s with { RecalibratedMs = null, FitPoint = false }).ToList() };
        Assert.Null(stored.RecalibratedMeanAbsolutePercentageError);
        Assert.Equal(report.MeanAbsolutePercentageError, stored.MeanAbsolutePercentageError, 12);
    }

    [Fact]
    public void CostModel_MarginalIsTheDifferenceOfTotals_AndPerNodeSumsToTheTotal()
    {
        using var graph = TestProfiles.Tiny();
        var calibration = new ModelCalibration("tiny", Profiler.Topology(graph), 5, 1.1, 0.02, 0.0005, [new CalibrationPoint("dense", 1, 1, 5)]);
        var groups = ChannelGroups.Discover(graph);
        var cost = new LatencyPredictor(TestProfiles.For(graph, new OrtNchwcDeployment(16, 4), calibration), groups).CostModel;
        Assert.Equal(("latency", "ms"), (cost.Name, cost.Unit));
        foreach (var widths in PredictionValidator.RandomWidths(groups, 4, 7).Append(groups.FullWidths()))
        {
            Assert.Equal(cost.Total(widths), cost.PerNode(widths).Values.Sum(), 12);
            foreach (var g in groups.Prunable.Where(g => widths[g.Id] > 1))
            {
                var narrower = widths.ToArray();
                narrower[g.Id]--;
                Assert.Equal(cost.Total(widths) - cost.Total(narrower), cost.Marginal(widths, g.Id), 12);
            }
        }
    }

    [Fact]
    public void Evaluate_GradientMatchesFiniteDifferences()
    {
        using var graph = TestProfiles.Tiny();
        var groups = ChannelGroups.Discover(graph);
        var predictor = new LatencyPredictor(TestProfiles.For(graph, new EagerDeployment()), groups);
        var widths = groups.Groups.Select(g => g.Prunable ? g.Channels - 2.5 : g.Channels).Select(w => (double)w).ToArray();
        var gradient = new double[groups.Count];
        var value = predictor.Evaluate(widths, gradient);
        Assert.Equal(value, predictor.Evaluate(widths), 12);
        foreach (var g in groups.Groups)
        {
            if (!g.Prunable)
            {
                Assert.Equal(0, gradient[g.Id]);
                continue;
            }

            const double h = 1e-3;
            var up = (double[])widths.Clone();
            var down = (double[])widths.Clone();
            up[g.Id] += h;
            down[g.Id] -= h;
            Assert.Equal((predictor.Evaluate(up) - predictor.Evaluate(down)) / (2 * h), gradient[g.Id], 6);
            Assert.True(gradient[g.Id] > 0, $"a wider group '{g.Name}' costs more");
        }

        // At integer widths the differentiable form is the prediction.
        var full = groups.FullWidths();
        Assert.Equal(predictor.Total(full), predictor.Evaluate(full.Select(w => (double)w).ToArray()), 12);
    }

    [Fact]
    public void Constructor_ProfileLackingAConfiguration_NamesItAndOffersToExtend()
    {
        using var graph = TestProfiles.Tiny();
        var full = TestProfiles.For(graph, new EagerDeployment());
        var partial = new LatencyProfile(full.Device, full.Measurement, full.Deployment);
        foreach (var layer in full.Layers.Values.Where(l => l.Config.Op != OpKind.Gemm)) partial.SetLayer(layer.Config, layer.Table);
        var e = Assert.Throws<InvalidDataException>(() => new LatencyPredictor(partial, ChannelGroups.Discover(graph)));
        Assert.Contains("'Gemm'", e.Message);
        Assert.Contains("toolchain profile tiny", e.Message);
    }

    [Fact]
    public void Constructor_TableNotCoveringTheWidths_SaysWhatIsCoveredAndNeeded()
    {
        using var graph = TestProfiles.Tiny();
        var full = TestProfiles.For(graph, new EagerDeployment());
        var partial = new LatencyProfile(full.Device, full.Measurement, full.Deployment);
        foreach (var layer in full.Layers.Values)
        {
            var table = layer.Config.Op == OpKind.GlobalAveragePool ? new LatencyTable([[1, 4]], [0.001, 0.002]) : layer.Table;
            partial.SetLayer(layer.Config, table);
        }

        var e = Assert.Throws<InvalidDataException>(() => new LatencyPredictor(partial, ChannelGroups.Discover(graph)));
        Assert.Contains("covers channels 1…4", e.Message);
        Assert.Contains("needs channels 1…8", e.Message);
    }

    [Fact]
    public void OrtPlan_DenseResNet20_RunsEveryConvBlockedWithOneReorderAtTheEnd()
    {
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var shapes = groups.PredictShapes(groups.FullWidths());
        var plan = new OrtNchwcDeployment(16, 4).Plan(new ModelStructure(graph), v => shapes.Value(v)[1]);
        Assert.Equal(21, plan.Count(i => i.Config.Op == OpKind.Conv));
        Assert.All(plan.Where(i => i.Config.Op == OpKind.Conv && !i.Config.ReadsGraphInput), i => Assert.Equal("blocked", i.Config.Variant));
        Assert.Equal("blocked-plain-input", plan.Single(i => i.Owner == "conv1").Config.Variant);
        Assert.Equal(9, plan.Count(i => i.Config.Residual));
        var reorder = Assert.Single(plan, i => i.Config.Reorder is not null);
        Assert.Equal(("avgpool", "output"), (reorder.Owner, reorder.Config.Reorder));
    }

    [Fact]
    public void OrtRules_PickTheKernelOnnxRuntimePicks()
    {
        var deployment = new OrtNchwcDeployment(16, 4);
        Assert.Equal("blocked-plain-input", deployment.ConvVariant(12));
        Assert.Equal("blocked", deployment.ConvVariant(20));
        Assert.Equal("plain", deployment.ConvVariant(18));
        Assert.Equal("blocked-plain-input", deployment.DepthwiseVariant(1));
        Assert.Equal("plain", deployment.DepthwiseVariant(6));
        Assert.Equal("blocked", deployment.DepthwiseVariant(8));
    }
}
