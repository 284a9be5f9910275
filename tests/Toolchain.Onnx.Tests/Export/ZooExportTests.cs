using Toolchain.Graph;
using Toolchain.TestSupport;

namespace Toolchain.Onnx.Tests.Export;

/// <summary>Every zoo model exports, with and without BatchNorm folding, into a model Debian's full ONNX checker accepts.</summary>
public sealed class ZooExportTests
{
    public static TheoryData<string> ZooNames => [.. ModelZoo.Names];

    [Theory]
    [MemberData(nameof(ZooNames))]
    public void Export_ZooModel_PassesFullCheckerWithExpectedStructure(string name)
    {
        using var graph = ModelZoo.Create(name, seed: 1);
        using var dir = new TempDirectory();
        var plain = dir.File($"{name}.onnx");
        var folded = dir.File($"{name}.folded.onnx");
        OnnxExporter.ExportToFile(graph, plain);
        OnnxExporter.ExportToFile(graph, folded, new OnnxExportOptions { FoldBatchNorm = true });

        var reports = ExportOracle.Check(plain, folded);
        var ops = graph.Nodes.GroupBy(n => n.Op).ToDictionary(g => g.Key, g => g.Count());
        int Count(OpKind op) => ops.GetValueOrDefault(op);
        var input = graph.InputShape;
        var classes = graph.OutputShape[1];

        foreach (var (report, isFolded) in new[] { (reports[0], false), (reports[1], true) })
        {
            Assert.Equal(8, report.IrVersion);
            Assert.Equal(17, report.Opset());
            Assert.Equal("toolchain", report.ProducerName);
            Assert.Equal(name, report.GraphName);
            Assert.Equal(graph.InputName, report.Input.Name);
            Assert.Equal(["batch", input[1], input[2], input[3]], report.Input.Dims);
            Assert.Equal(graph.OutputName, report.Output.Name);
            Assert.Equal(["batch", classes], report.Output.Dims);

            Assert.Equal(Count(OpKind.Conv), report.Count("Conv"));
            Assert.Equal(isFolded ? 0 : Count(OpKind.BatchNorm), report.Count("BatchNormalization"));
            Assert.Equal(Count(OpKind.Relu), report.Count("Relu"));
            Assert.Equal(Count(OpKind.Relu6), report.Count("Clip"));
            Assert.Equal(Count(OpKind.Add), report.Count("Add"));
            Assert.Equal(Count(OpKind.MaxPool), report.Count("MaxPool"));
            Assert.Equal(Count(OpKind.GlobalAveragePool), report.Count("GlobalAveragePool"));
            Assert.Equal(1, report.Count("Gemm"));
            Assert.Equal(0, report.Count("Dropout"));

            // Our node names, minus what export drops (dropout; BatchNorms when folded).
            var kept = graph.Nodes.Where(n => n.Op != OpKind.Dropout && !(isFolded && n.Op == OpKind.BatchNorm)).Select(n => n.Name);
            Assert.Equal(kept, report.NodeNames);
        }

        // Unfolded: exactly the state_dict (plus the Relu6 bounds); folded: only conv/Gemm weights and biases.
        var stateNames = graph.StateDict().Keys.ToHashSet();
        var relu6Bounds = graph.Nodes.Where(n => n.Op == OpKind.Relu6).SelectMany(n => new[] { $"{n.Name}.min", $"{n.Name}.max" });
        Assert.Equal(stateNames.Concat(relu6Bounds).Order(), reports[0].Initializers.Order());
        Assert.DoesNotContain(reports[1].Initializers, i => i.EndsWith(".running_mean") || i.EndsWith(".running_var"));
        Assert.All(graph.Nodes.Where(n => n.Op == OpKind.Conv), conv =>
        {
            Assert.Contains($"{conv.Name}.weight", reports[1].Initializers);
            Assert.Contains($"{conv.Name}.bias", reports[1].Initializers);
        });
        var firstWeight = reports[0].Initializer(graph.Parameters[0].Name);
        Assert.Equal("FLOAT", firstWeight.GetProperty("type").GetString());
        Assert.True(firstWeight.GetProperty("raw").GetBoolean());
    }

    [Fact]
    public void Export_ResNet20_HasEveryConvAndBatchNormUnfoldedAndNoBatchNormFolded()
    {
        using var graph = ModelZoo.Create("resnet20");
        using var dir = new TempDirectory();
        var plain = dir.File("plain.onnx");
        var folded = dir.File("folded.onnx");
        File.WriteAllBytes(plain, OnnxExporter.Export(graph));
        File.WriteAllBytes(folded, OnnxExporter.Export(graph, new OnnxExportOptions { FoldBatchNorm = true }));
        var reports = ExportOracle.Check(plain, folded);

        // 19 3×3 convs plus two 1×1 projection shortcuts, each followed by a BatchNorm.
        Assert.Equal(21, reports[0].Count("Conv"));
        Assert.Equal(21, reports[0].Count("BatchNormalization"));
        Assert.Equal(21, reports[1].Count("Conv"));
        Assert.Equal(0, reports[1].Count("BatchNormalization"));
        Assert.Equal(["batch", 16L, 32L, 32L], reports[0].ValueInfo("layer1.0.bn1"));
        Assert.Equal(["batch", 64L, 1L, 1L], reports[1].ValueInfo("avgpool"));
    }
}
