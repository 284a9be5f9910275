using Toolchain.Graph;
using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Onnx.Tests.Import;

/// <summary>
/// What the torchvision matrix (Toolchain.Pruning.Tests' TorchvisionZooTests: PyTorch's logits at every opset, training,
/// pruning, deployment, per family) does not check: the imported parameters keep PyTorch's module names and the
/// folded parameter count, and an export that keeps BatchNormalization imports with PyTorch's state_dict names.
/// </summary>
public sealed class TorchvisionImportTests(TorchvisionZooExports exports) : IClassFixture<TorchvisionZooExports>
{
    [Theory]
    [InlineData("resnet18", "conv1.weight conv1.bias layer1.0.conv1.weight layer4.1.conv2.bias fc.weight fc.bias")]
    [InlineData("mobilenet_v2", "features.0.0.weight features.1.conv.0.0.weight features.18.0.bias classifier.1.weight")]
    public void Import_TorchvisionExport_HasFoldedPyTorchParameterCountAndModuleNames(string model, string someNames)
    {
        var export = exports.Get(model);
        using var scope = DisposeScope.Enter();
        var expected = ImportSupport.Load(export.Expected);
        using var graph = OnnxImporter.Import(export.Onnx(17));

        Assert.Equal((long)expected["folded_parameter_count"].Item(), graph.ParameterCount);
        foreach (var name in someNames.Split(' '))
        {
            Assert.True(graph.FindParameter(name) is not null, $"{model} has no parameter '{name}'; it has {string.Join(", ", graph.Parameters.Select(p => p.Name).Take(12))}…");
        }
    }

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(17)]
    public void Import_ResNet18ExportedWithoutFolding_KeepsBatchNormsWithPyTorchStateDictNames(int opset)
    {
        var export = exports.Get("resnet18", unfolded: true);
        using var scope = DisposeScope.Enter();
        var expected = ImportSupport.Load(export.UnfoldedExpected);
        var counts = ImportSupport.Load(export.Expected);
        using var graph = OnnxImporter.Import(export.Unfolded(opset));

        var batchNorms = graph.Nodes.Where(n => n.Op == OpKind.BatchNorm).ToList();
        Assert.Equal(20, batchNorms.Count);
        Assert.All(batchNorms, n => Assert.Equal(new BatchNormAttributes(1e-5, 0.1), n.Attributes));
        var pytorchNames = File.ReadAllLines(export.StateDictNames).Where(l => l.Length > 0).Order(StringComparer.Ordinal);
        Assert.Equal(pytorchNames, graph.StateDict().Keys.Order(StringComparer.Ordinal));
        Assert.Contains("layer1.0.bn1.running_mean", graph.BufferNames);
        Assert.Equal((long)counts["parameter_count"].Item(), graph.ParameterCount);

        using var noGrad = Libtorch.NoGrad();
        ImportSupport.AssertOutputsMatch(expected["logits"], graph.Forward(expected["x"]), $"unfolded resnet18 opset {opset} logits");
    }
}
