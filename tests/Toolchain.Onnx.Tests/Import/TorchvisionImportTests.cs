using Toolchain.Graph;
using Toolchain.Torch;
using Toolchain.Torch.Optim;
using F = Toolchain.Torch.Functional;

namespace Toolchain.Onnx.Tests.Import;

/// <summary>
/// torchvision classification models as PyTorch 1.13 exports them (BatchNorm folded into Conv by default, dynamic
/// batch): the imported graph computes PyTorch's logits, has PyTorch's parameter count and trains; an export
/// that keeps BatchNormalization imports with PyTorch's state_dict names.
/// </summary>
public sealed class TorchvisionImportTests(TorchvisionExports exports) : IClassFixture<TorchvisionExports>
{
    [Theory]
    [InlineData("resnet18", 13)]
    [InlineData("resnet18", 17)]
    [InlineData("resnet50", 13)]
    [InlineData("resnet50", 17)]
    [InlineData("mobilenet_v2", 13)]
    [InlineData("mobilenet_v2", 17)]
    [InlineData("vgg16_bn", 13)]
    [InlineData("vgg16_bn", 17)]
    public void Import_TorchvisionExport_LogitsMatchPyTorch(string model, int opset)
    {
        var folder = exports.Folder(model);
        using var scope = DisposeScope.Enter();
        var expected = ImportSupport.Load(Path.Combine(folder, "expected.safetensors"));
        using var graph = OnnxImporter.Import(Path.Combine(folder, $"{model}_{opset}.onnx"));

        Assert.Equal($"{model}_{opset}", graph.Name);
        Assert.Equal([1L, 3, 224, 224], graph.InputShape);
        Assert.DoesNotContain(graph.Nodes, n => n.Op == OpKind.BatchNorm);
        using var noGrad = Libtorch.NoGrad();
        ImportSupport.AssertOutputsMatch(expected["logits"], graph.Forward(expected["x"]), $"{model} opset {opset} logits");
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet50")]
    [InlineData("mobilenet_v2")]
    [InlineData("vgg16_bn")]
    public void ImportThenExport_OnnxRuntimeRunsOurFileWithPyTorchsLogits(string model)
    {
        // The round trip a user makes: their PyTorch export in, our export out, deployed in ONNX Runtime.
        var folder = exports.Folder(model);
        using var scope = DisposeScope.Enter();
        var expected = ImportSupport.Load(Path.Combine(folder, "expected.safetensors"));
        byte[] onnx;
        using (var graph = OnnxImporter.Import(Path.Combine(folder, $"{model}_17.onnx"))) onnx = OnnxExporter.Export(graph);

        var x = expected["x"];
        using var ort = Toolchain.Runtime.OrtEngine.Load(onnx, model);
        var logits = ort.Run([new Toolchain.Runtime.HostTensor(x.Shape, x.ToArray<float>())])[0];
        ImportSupport.AssertOutputsMatch(expected["logits"], Tensor.FromArray(logits.Data, logits.Shape), $"{model}: import → export → ONNX Runtime logits");
    }

    [Theory]
    [InlineData("resnet18", "conv1.weight conv1.bias layer1.0.conv1.weight layer4.1.conv2.bias fc.weight fc.bias")]
    [InlineData("resnet50", "conv1.weight layer1.0.downsample.0.weight layer4.2.conv3.bias fc.weight")]
    [InlineData("mobilenet_v2", "features.0.0.weight features.1.conv.0.0.weight features.18.0.bias classifier.1.weight")]
    [InlineData("vgg16_bn", "features.0.weight features.40.bias classifier.0.weight classifier.6.bias")]
    public void Import_TorchvisionExport_HasFoldedPyTorchParameterCountAndModuleNames(string model, string someNames)
    {
        var folder = exports.Folder(model);
        using var scope = DisposeScope.Enter();
        var expected = ImportSupport.Load(Path.Combine(folder, "expected.safetensors"));
        using var graph = OnnxImporter.Import(Path.Combine(folder, $"{model}_17.onnx"));

        Assert.Equal((long)expected["folded_parameter_count"].Item(), graph.ParameterCount);
        foreach (var name in someNames.Split(' '))
        {
            Assert.True(graph.FindParameter(name) is not null, $"{model} has no parameter '{name}'; it has {string.Join(", ", graph.Parameters.Select(p => p.Name).Take(12))}…");
        }
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("resnet50")]
    [InlineData("mobilenet_v2")]
    [InlineData("vgg16_bn")]
    public void Import_TorchvisionExport_OneSgdStepChangesFoldedConvWeights(string model)
    {
        var folder = exports.Folder(model);
        using var scope = DisposeScope.Enter();
        var expected = ImportSupport.Load(Path.Combine(folder, "expected.safetensors"));
        using var graph = OnnxImporter.Import(Path.Combine(folder, $"{model}_17.onnx"));
        var convs = graph.Nodes.Where(n => n.Op == OpKind.Conv).ToList();
        // The last conv: in randomly initialised deep nets the first layers' gradients are far below float
        // resolution of their weights (mobilenet_v2's first conv gets ~1e-9), so only layers near the loss move visibly.
        var weight = graph.GetParameter(convs[^1].TensorName(TensorRole.Weight)!);
        var bias = graph.GetParameter(convs[^1].TensorName(TensorRole.Bias)!); // the folded BatchNorm's shift
        var weightBefore = weight.Value.ToArray<float>();
        var biasBefore = bias.Value.ToArray<float>();

        graph.Training = true;
        using var sgd = new Sgd(graph.Parameters, learningRate: 0.01, momentum: 0.9);
        var x = expected["x"];
        var labels = Tensor.FromArray(Enumerable.Range(0, (int)x.Size(0)).Select(i => (long)(i * 379 % 1000)).ToArray());
        var loss = F.CrossEntropy(graph.Forward(x), labels);
        Assert.True(double.IsFinite(loss.Item()), $"{model}: loss {loss.Item()}");
        loss.Backward();

        // Backpropagation reaches every parameter, down to the first conv.
        Assert.All(graph.Parameters, p => Assert.True(p.Grad is not null, $"{p.Name} got no gradient"));
        Assert.True(graph.GetParameter(convs[0].TensorName(TensorRole.Weight)!).Grad!.Abs().Max().Item() > 0, "the first conv's gradient is zero");
        sgd.Step();

        Assert.NotEqual(weightBefore, weight.Value.ToArray<float>());
        Assert.NotEqual(biasBefore, bias.Value.ToArray<float>());
    }

    [Theory]
    [InlineData(13)]
    [InlineData(17)]
    public void Import_ResNet18ExportedWithoutFolding_KeepsBatchNormsWithPyTorchStateDictNames(int opset)
    {
        var folder = exports.Folder("resnet18");
        using var scope = DisposeScope.Enter();
        var expected = ImportSupport.Load(Path.Combine(folder, "unfolded.safetensors"));
        var counts = ImportSupport.Load(Path.Combine(folder, "expected.safetensors"));
        using var graph = OnnxImporter.Import(Path.Combine(folder, $"resnet18_unfolded_{opset}.onnx"));

        var batchNorms = graph.Nodes.Where(n => n.Op == OpKind.BatchNorm).ToList();
        Assert.Equal(20, batchNorms.Count);
        Assert.All(batchNorms, n => Assert.Equal(new BatchNormAttributes(1e-5, 0.1), n.Attributes));
        var pytorchNames = File.ReadAllLines(Path.Combine(folder, "state_dict.txt")).Where(l => l.Length > 0).Order(StringComparer.Ordinal);
        Assert.Equal(pytorchNames, graph.StateDict().Keys.Order(StringComparer.Ordinal));
        Assert.Contains("layer1.0.bn1.running_mean", graph.BufferNames);
        Assert.Equal((long)counts["parameter_count"].Item(), graph.ParameterCount);

        using var noGrad = Libtorch.NoGrad();
        ImportSupport.AssertOutputsMatch(expected["logits"], graph.Forward(expected["x"]), $"unfolded resnet18 opset {opset} logits");
    }
}
