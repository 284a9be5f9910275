using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.TestSupport;
using Toolchain.Torch;
using Toolchain.Training;

namespace Toolchain.Pipeline.Tests;

/// <summary>The pipeline's parity check on real test images: ONNX Runtime on the written file against our executor on the graph it came from.</summary>
public sealed class DataParityTests
{
    [Fact]
    public void Run_OnFashionMnist_TheExportAgrees_AndAFileWithOneWeightChangedFailsTheParityGate()
    {
        using var dir = new TempDirectory();
        var data = DataSource.Open(DataSource.FashionMnistName);
        using var graph = ModelZoo.Create("resnet20", data.NumClasses, 7, data.InputShape);
        graph.Training = false;
        GraphFile.Save(graph, dir.File("pruned.safetensors"));
        File.WriteAllBytes(dir.File("pruned.onnx"), OnnxExporter.Export(graph, new OnnxExportOptions()));

        var parity = DataParityCheck.Run(dir.File("pruned.onnx"), dir.File("pruned.safetensors"), data, images: 100, threads: 2);

        Assert.Equal(100, parity.Images);
        Assert.Equal("100 test images of fashion-mnist", parity.Describe());
        Assert.True(parity.MaxAbsDiff <= 1e-4, $"max |Δ| {parity.MaxAbsDiff}");
        Assert.True(parity.OutputScale > 0);
        Assert.Equal(1.0, parity.Top1Agreement);
        Assert.Equal(parity.ReferenceTop1, parity.DeployedTop1);

        // The deployed file with one weight changed (the first of the stem conv); the reference graph file stays as it was.
        using (Libtorch.NoGrad())
        using (var first = graph.GetTensor("conv1.weight").Slice(0, 0, 1).Slice(1, 0, 1).Slice(2, 0, 1).Slice(3, 0, 1))
        {
            first.Fill_(3.0);
        }

        File.WriteAllBytes(dir.File("perturbed.onnx"), OnnxExporter.Export(graph, new OnnxExportOptions()));
        var perturbed = DataParityCheck.Run(dir.File("perturbed.onnx"), dir.File("pruned.safetensors"), data, images: 100, threads: 2);

        Assert.True(perturbed.MaxAbsDiff > 1e-3, $"max |Δ| {perturbed.MaxAbsDiff}");
        var prune = new PruneSummary("resnet20", "l1", 100, null, null, null, null, null, 1, 1, 1, 1, null, null, [], [], ParityMaxAbsDiff: 1e-7, "pruned.onnx", 1, "");
        var latency = new LatencySummary(1, 1, 1, 1, 1, 1, 1, 1000, [1.0]);
        var gate = Gates.Judge(new PipelineConfig(), prune, [new BatchLatency(1, "ort-cpu", latency, latency)], perturbed).Single(g => g.Name == "parity");
        Assert.False(gate.Passed);
        Assert.Equal(perturbed.MaxAbsDiff, gate.Measured); // the worse of the two checks
        Assert.Contains("on 100 test images of fashion-mnist", gate.Message, StringComparison.Ordinal);
        Assert.Contains("1E-07 on a random batch at export", gate.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_DataOfAnotherInputShape_IsRefusedNamingBoth()
    {
        using var dir = new TempDirectory();
        var data = DataSource.Open(DataSource.Shapes10Name, 0, 16, 16);
        using var graph = ModelZoo.Create("resnet20", 10, 0, [1, 1, 28, 28]);
        GraphFile.Save(graph, dir.File("m.safetensors"));
        File.WriteAllBytes(dir.File("m.onnx"), OnnxExporter.Export(graph, new OnnxExportOptions()));

        var e = Assert.Throws<ArgumentException>(() => DataParityCheck.Run(dir.File("m.onnx"), dir.File("m.safetensors"), data, images: 8));

        Assert.Contains("takes 1×28×28 inputs but data 'shapes10' has 3×32×32 images", e.Message, StringComparison.Ordinal);
    }
}
