using Toolchain.Graph;
using Toolchain.Runtime;
using Toolchain.Torch;
using Toolchain.Torch.Optim;
using F = Toolchain.Torch.Functional;

namespace Toolchain.Onnx.Tests.Import;

/// <summary>
/// The torchvision families that need Pad (DenseNet's average pools, exported as Pad + AveragePool) or ReduceMean
/// (MNASNet's and ShuffleNet's x.mean([2, 3])), GoogLeNet and Inception v3 (Pad before its padded average pools), as
/// PyTorch 1.13 exports them at 64×64 (Inception v3 at 75×75, its smallest input): the imported
/// graph computes PyTorch's logits, so does ONNX Runtime running our export of it, and it trains.
/// </summary>
public sealed class TorchvisionFamilyTests(TorchvisionExports exports) : IClassFixture<TorchvisionExports>
{
    [Theory]
    [InlineData("densenet121", 13)]
    [InlineData("densenet121", 17)]
    [InlineData("googlenet", 13)]
    [InlineData("googlenet", 17)]
    [InlineData("mnasnet0_5", 13)]
    [InlineData("mnasnet0_5", 17)]
    [InlineData("shufflenet_v2_x0_5", 13)]
    [InlineData("shufflenet_v2_x0_5", 17)]
    [InlineData("inception_v3", 17)]
    public void Import_Family_LogitsMatchPyTorch(string model, int opset)
    {
        var folder = exports.Folder(model);
        using var scope = DisposeScope.Enter();
        var expected = ImportSupport.Load(Path.Combine(folder, "expected.safetensors"));
        using var graph = OnnxImporter.Import(Path.Combine(folder, $"{model}_{opset}.onnx"));

        var size = model == "inception_v3" ? 75 : 64; // see import_torchvision.py's SIZE
        Assert.Equal([1L, 3, size, size], graph.InputShape);
        using var noGrad = Libtorch.NoGrad();
        ImportSupport.AssertOutputsMatch(expected["logits"], graph.Forward(expected["x"]), $"{model} opset {opset} logits");
    }

    [Theory]
    [InlineData("densenet121", OpKind.Pad, 3)]
    [InlineData("googlenet", OpKind.MaxPool, 13)]
    [InlineData("mnasnet0_5", OpKind.ReduceMean, 1)]
    [InlineData("shufflenet_v2_x0_5", OpKind.ReduceMean, 1)]
    [InlineData("inception_v3", OpKind.Pad, 9)] // F.avg_pool2d(x, 3, 1, 1) in every InceptionA, C and E block
    public void ImportThenExport_OnnxRuntimeRunsOurFileWithPyTorchsLogits(string model, OpKind op, int count)
    {
        var folder = exports.Folder(model);
        using var scope = DisposeScope.Enter();
        var expected = ImportSupport.Load(Path.Combine(folder, "expected.safetensors"));
        byte[] onnx;
        using (var graph = OnnxImporter.Import(Path.Combine(folder, $"{model}_17.onnx")))
        {
            // The op the family needed is in the graph as often as PyTorch wrote it.
            Assert.Equal(count, graph.Nodes.Count(n => n.Op == op));
            onnx = OnnxExporter.Export(graph);
        }

        var x = expected["x"];
        using var ort = OrtEngine.Load(onnx, model);
        var logits = ort.Run([new HostTensor(x.Shape, x.ToArray<float>())])[0];
        ImportSupport.AssertOutputsMatch(expected["logits"], Tensor.FromArray(logits.Data, logits.Shape), $"{model}: import → export → ONNX Runtime logits");
    }

    [Theory]
    [InlineData("densenet121")]
    [InlineData("googlenet")]
    [InlineData("mnasnet0_5")]
    [InlineData("shufflenet_v2_x0_5")]
    [InlineData("inception_v3")]
    public void Import_Family_OneSgdStepReachesEveryParameter(string model)
    {
        var folder = exports.Folder(model);
        using var scope = DisposeScope.Enter();
        var expected = ImportSupport.Load(Path.Combine(folder, "expected.safetensors"));
        using var graph = OnnxImporter.Import(Path.Combine(folder, $"{model}_17.onnx"));
        var last = graph.GetParameter(graph.Nodes.Last(n => n.Op == OpKind.Conv).TensorName(TensorRole.Weight)!);
        var before = last.Value.ToArray<float>();

        graph.Training = true;
        using var sgd = new Sgd(graph.Parameters, learningRate: 0.01, momentum: 0.9);
        var x = expected["x"];
        var labels = Tensor.FromArray(Enumerable.Range(0, (int)x.Size(0)).Select(i => (long)(i * 379 % 1000)).ToArray());
        var loss = F.CrossEntropy(graph.Forward(x), labels);
        Assert.True(double.IsFinite(loss.Item()), $"{model}: loss {loss.Item()}");
        loss.Backward();

        // Backward passes through Pad, ReduceMean, Concat, Split and the shuffles down to the first conv.
        Assert.All(graph.Parameters, p => Assert.True(p.Grad is not null, $"{p.Name} got no gradient"));
        sgd.Step();
        Assert.NotEqual(before, last.Value.ToArray<float>());
    }
}
