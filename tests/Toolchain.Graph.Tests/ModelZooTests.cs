using Toolchain.Torch;

namespace Toolchain.Graph.Tests;

/// <summary>Zoo architectures against published parameter and MAC counts (within 1 %).</summary>
public sealed class ModelZooTests
{
    [Theory]
    // CIFAR ResNets (He et al. 2016; option-B projections add 2 752 parameters and 0.26 M MACs)
    [InlineData("resnet20", 0.27e6, 41e6)]
    [InlineData("resnet32", 0.464e6, 69e6)]
    [InlineData("resnet56", 0.85e6, 125e6)]
    [InlineData("resnet110", 1.727e6, 253e6)]
    // torchvision's model documentation (GFLOPS there are multiply-accumulates)
    [InlineData("resnet18", 11.7e6, 1.82e9)]
    [InlineData("resnet50", 25.6e6, 4.1e9)]
    [InlineData("mobilenet_v2", 3.5e6, 300e6)]
    // the usual CIFAR VGG-16-BN: 14.73 M parameters, 313 M MACs
    [InlineData("vgg16_bn", 14.73e6, 313e6)]
    public void Create_PublishedModel_MatchesPublishedCounts(string name, double parameters, double macs)
    {
        using var graph = ModelZoo.Create(name);
        Assert.InRange(graph.ParameterCount, parameters * 0.99, parameters * 1.01);
        Assert.InRange(graph.Macs, macs * 0.99, macs * 1.01);
        Assert.Equal(graph.ParameterCount, graph.Summary().Sum(s => s.Parameters));
        Assert.Equal(graph.Macs, graph.Summary().Sum(s => s.Macs));
    }

    [Fact]
    public void Create_MobileNetV2Cifar_HasTorchvisionLayoutWithCifarStrides()
    {
        using var graph = ModelZoo.Create("mobilenet_v2_cifar");
        // torchvision's 3 504 872 minus the 1000-class head plus a 10-class one
        Assert.Equal(3_504_872 - 1_281_000 + 12_810, graph.ParameterCount);
        Assert.Equal([1, 32, 32, 32], graph.ShapeOf("features.0.2"));
        Assert.Equal([1, 1280, 4, 4], graph.ShapeOf("features.18.2"));
        Assert.Equal([1, 10], graph.OutputShape);
    }

    [Fact]
    public void Create_ResNet18_UsesTorchvisionStateDictNames()
    {
        using var graph = ModelZoo.Create("resnet18");
        var names = graph.StateDict().Keys.ToHashSet();
        Assert.Contains("conv1.weight", names);
        Assert.Contains("layer1.0.bn1.running_mean", names);
        Assert.Contains("layer2.0.downsample.0.weight", names);
        Assert.Contains("layer4.1.bn2.running_var", names);
        Assert.Contains("fc.bias", names);
        Assert.Equal(102, names.Count); // torchvision: 122 state_dict entries, 20 of them num_batches_tracked
    }

    [Fact]
    public void Create_NumClasses_SetsClassifierWidth()
    {
        using var graph = ModelZoo.Create("resnet20", numClasses: 100);
        Assert.Equal([1, 100], graph.OutputShape);
        Assert.Equal([100, 64], graph.GetParameter("fc.weight").Shape);
    }

    [Fact]
    public void Create_FashionMnistInput_TakesOneChannel28x28AndRuns()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20", 10, inputShape: [1, 1, 28, 28]);

        Assert.Equal([1L, 1, 28, 28], graph.InputShape);
        Assert.Equal([16L, 1, 3, 3], graph.GetTensor("conv1.weight").Shape);
        Assert.Equal([4L, 10], graph.Forward(Tensor.RandN([4, 1, 28, 28])).Shape);
    }

    [Fact]
    public void Create_InputTooSmallForTheArchitecture_SaysWhichModelAndSize()
    {
        // VGG-16's five 2×2 pools take 28×28 down to nothing.
        var e = Assert.Throws<ArgumentException>(() => ModelZoo.Create("vgg16_bn", 10, inputShape: [1, 1, 28, 28]));
        Assert.Contains("'vgg16_bn' cannot take 1×28×28 inputs (its default is 3×32×32)", e.Message);
        Assert.Throws<ArgumentException>(() => ModelZoo.Create("resnet20", 10, inputShape: [1, 28, 28]));
    }

    [Fact]
    public void Create_UnknownName_ThrowsListingKnownNames()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelZoo.Create("resnet21"));
        Assert.Contains("resnet21", e.Message);
        foreach (var name in ModelZoo.Names) Assert.Contains(name, e.Message);
    }

    [Fact]
    public void Create_ConvInit_IsKaimingFanOutAndBatchNormIsIdentity()
    {
        using var graph = ModelZoo.Create("resnet56");
        var w = graph.GetTensor("layer3.0.conv2.weight"); // [64, 64, 3, 3]: fan_out 576
        using var sq = w.Square();
        using var mean = sq.Mean();
        Assert.InRange(Math.Sqrt(mean.Item()), Math.Sqrt(2.0 / 576) * 0.95, Math.Sqrt(2.0 / 576) * 1.05);
        Assert.All(graph.GetTensor("layer3.0.bn2.weight").ToArray<float>(), v => Assert.Equal(1f, v));
        Assert.All(graph.GetTensor("layer3.0.bn2.running_var").ToArray<float>(), v => Assert.Equal(1f, v));
    }
}
