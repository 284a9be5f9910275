using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Pipeline.Report;
using Toolchain.Profiling;
using Toolchain.Pruning;
using Toolchain.TestSupport;

namespace Toolchain.Pipeline.Tests;

/// <summary>The benchmark stage's per-layer comparison: ONNX Runtime's per-node profile of a compacted model grouped into the profile's layers.</summary>
public sealed class LayerBenchmarkTests
{
    [Fact]
    public void Measure_CompactedResNet20_EveryConvLayerIsMeasuredAndPredicted_UnderItsOwnName()
    {
        using var dir = new TempDirectory();
        using var dense = ModelZoo.Create("resnet20");
        GraphFile.Save(dense, dir.File("dense.safetensors"));
        var groups = ChannelGroups.Discover(dense);
        var widths = groups.Groups.Select(g => g.Prunable ? Math.Max(1, g.Channels * 5 / 8) : g.Channels).ToArray();
        using (var pruned = ModelZoo.Create("resnet20"))
        {
            var prunedGroups = ChannelGroups.Discover(pruned);
            var masks = new GroupMasks(prunedGroups);
            foreach (var g in prunedGroups.Prunable) masks.KeepOnly(g.Id, Enumerable.Range(0, widths[g.Id]));
            Compactor.Compact(prunedGroups, masks);
            File.WriteAllBytes(dir.File("pruned.onnx"), OnnxExporter.Export(pruned, new OnnxExportOptions()));
        }

        var summary = groups.Prunable.Select(g => new WidthSummary(g.Name, g.Channels, widths[g.Id])).ToList();
        var profile = Path.Combine(ProfileLocator.FindFolder()!, "ort-cpu-2core-b1.json");

        var measured = LayerBenchmark.Measure("ort-cpu", dir.File("pruned.onnx"), dir.File("dense.safetensors"), summary, profile, batch: 1, threads: 2)!;

        Assert.Equal(LayerBenchmark.Runs, measured.Runs);
        var units = new ModelStructure(dense).Units;
        var rows = measured.Layers.ToDictionary(l => l.Layer);
        foreach (var unit in units.Where(u => u.Config.Op == OpKind.Conv))
        {
            var row = rows[unit.Name];
            Assert.True(row.MeasuredMs > 0, $"{unit.Name}: measured {row.MeasuredMs}");
            Assert.True(row.PredictedMs > 0, $"{unit.Name}: predicted {row.PredictedMs}");
            // The kernels counted for a layer are named after its own nodes.
            var nodes = unit.Nodes.Select(n => n.Name).ToHashSet();
            Assert.All(row.Kernels, k => Assert.Contains(LayerTimings.GraphNodeName(k), nodes));
        }

        // Every layer in model order, then the conversions and what is no layer (ResNet's Flatten) — nothing unaccounted for.
        Assert.Equal(units.Select(u => u.Name), measured.Layers.Take(units.Count).Select(l => l.Layer));
        Assert.All(measured.Layers.Skip(units.Count), l => Assert.Contains(l.Layer, new[] { LayerTimings.ConversionsRow, "flatten" }));
        Assert.Equal($"from {profile} at the pruned widths", measured.Predictions);

        var (layers, errors) = ReportBuilder.PerLayer(measured);
        Assert.Equal(measured.Layers.Count, layers.Count);
        Assert.True(errors!.Compared >= units.Count(u => u.Config.Op == OpKind.Conv));
        Assert.True(errors.Mape >= 0 && errors.Wape >= 0);
    }

    [Fact]
    public void Measure_WithoutAProfile_MeasuresEveryLayerAndSaysWhyNothingIsPredicted()
    {
        using var dir = new TempDirectory();
        using var dense = ModelZoo.Create("resnet20");
        GraphFile.Save(dense, dir.File("dense.safetensors"));
        File.WriteAllBytes(dir.File("dense.onnx"), OnnxExporter.Export(dense, new OnnxExportOptions { FoldBatchNorm = true }));

        var measured = LayerBenchmark.Measure("ort-cpu", dir.File("dense.onnx"), dir.File("dense.safetensors"), [], profile: null, batch: 2, threads: 2)!;

        Assert.All(measured.Layers, l => Assert.Null(l.PredictedMs));
        Assert.All(measured.Layers.Where(l => l.Layer != LayerTimings.ConversionsRow), l => Assert.True(l.MeasuredMs >= 0 && l.Kernels.Count > 0, l.Layer));
        Assert.Equal("none: no latency profile for batch 2", measured.Predictions);
        Assert.Contains("no row has both", ReportBuilder.PerLayer(measured).Errors!.Describe(), StringComparison.Ordinal);
        Assert.Null(LayerBenchmark.Measure("torch", dir.File("dense.onnx"), dir.File("dense.safetensors"), [], null, 1, 2));
    }
}
