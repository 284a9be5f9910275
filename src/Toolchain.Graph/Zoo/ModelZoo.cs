using Toolchain.Graph.Zoo;

namespace Toolchain.Graph;

/// <summary>
/// Named reference architectures, laid out and named as their PyTorch originals so weights map 1:1 to the
/// state_dicts of torchvision (ImageNet models) and of the usual CIFAR implementations.
/// </summary>
public static class ModelZoo
{
    private sealed record Entry(int DefaultClasses, Func<int, ulong, ModelGraph> Create);

    private static readonly Dictionary<string, Entry> Models = new(StringComparer.Ordinal)
    {
        ["resnet20"] = new(10, (c, s) => CifarResNet.Create("resnet20", 20, c, s)),
        ["resnet32"] = new(10, (c, s) => CifarResNet.Create("resnet32", 32, c, s)),
        ["resnet56"] = new(10, (c, s) => CifarResNet.Create("resnet56", 56, c, s)),
        ["resnet110"] = new(10, (c, s) => CifarResNet.Create("resnet110", 110, c, s)),
        ["vgg16_bn"] = new(10, CifarVgg.Create16Bn),
        ["mobilenet_v2_cifar"] = new(10, (c, s) => MobileNetV2.Create("mobilenet_v2_cifar", cifar: true, c, s)),
        ["mobilenet_v2"] = new(1000, (c, s) => MobileNetV2.Create("mobilenet_v2", cifar: false, c, s)),
        ["resnet18"] = new(1000, (c, s) => ImageNetResNet.Create("resnet18", bottleneck: false, [2, 2, 2, 2], c, s)),
        ["resnet50"] = new(1000, (c, s) => ImageNetResNet.Create("resnet50", bottleneck: true, [3, 4, 6, 3], c, s)),
    };

    /// <summary>Every model name <see cref="Create"/> knows.</summary>
    public static IReadOnlyList<string> Names { get; } = Models.Keys.ToArray();

    /// <summary>
    /// A freshly initialised model (PyTorch's initialisation, reproducible from <paramref name="seed"/>). CIFAR models
    /// default to 10 classes, ImageNet ones to 1000.
    /// </summary>
    public static ModelGraph Create(string name, int? numClasses = null, ulong seed = 0)
    {
        if (!Models.TryGetValue(name, out var entry))
        {
            throw new ArgumentException($"unknown model '{name}'; known models: {string.Join(", ", Names)}", nameof(name));
        }

        var classes = numClasses ?? entry.DefaultClasses;
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), classes, "a classifier needs at least one class");
        return entry.Create(classes, seed);
    }
}
