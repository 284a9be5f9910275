using Toolchain.Graph.Zoo;

namespace Toolchain.Graph;

/// <summary>
/// Named reference architectures, laid out and named as their PyTorch originals so weights map 1:1 to the
/// state_dicts of torchvision (ImageNet models) and of the usual CIFAR implementations.
/// </summary>
public static class ModelZoo
{
    private sealed record Entry(int DefaultClasses, long[] DefaultInput, Func<int, ulong, long[], ModelGraph> Create);

    private static readonly long[] Cifar = [1, 3, 32, 32], ImageNet = [1, 3, 224, 224];

    private static readonly Dictionary<string, Entry> Models = new(StringComparer.Ordinal)
    {
        ["resnet20"] = new(10, Cifar, (c, s, i) => CifarResNet.Create("resnet20", 20, c, s, i)),
        ["resnet32"] = new(10, Cifar, (c, s, i) => CifarResNet.Create("resnet32", 32, c, s, i)),
        ["resnet56"] = new(10, Cifar, (c, s, i) => CifarResNet.Create("resnet56", 56, c, s, i)),
        ["resnet110"] = new(10, Cifar, (c, s, i) => CifarResNet.Create("resnet110", 110, c, s, i)),
        ["vgg16_bn"] = new(10, Cifar, CifarVgg.Create16Bn),
        ["mobilenet_v2_cifar"] = new(10, Cifar, (c, s, i) => MobileNetV2.Create("mobilenet_v2_cifar", cifar: true, c, s, i)),
        ["mobilenet_v2"] = new(1000, ImageNet, (c, s, i) => MobileNetV2.Create("mobilenet_v2", cifar: false, c, s, i)),
        ["resnet18"] = new(1000, ImageNet, (c, s, i) => ImageNetResNet.Create("resnet18", bottleneck: false, [2, 2, 2, 2], c, s, i)),
        ["resnet50"] = new(1000, ImageNet, (c, s, i) => ImageNetResNet.Create("resnet50", bottleneck: true, [3, 4, 6, 3], c, s, i)),
    };

    /// <summary>Every model name <see cref="Create"/> knows.</summary>
    public static IReadOnlyList<string> Names { get; } = Models.Keys.ToArray();

    /// <summary>
    /// A freshly initialised model (PyTorch's initialisation, reproducible from <paramref name="seed"/>). CIFAR models
    /// default to 10 classes and a [1, 3, 32, 32] input, ImageNet ones to 1000 and [1, 3, 224, 224];
    /// <paramref name="inputShape"/> (N×C×H×W) builds one for another data set, e.g. Fashion-MNIST's [1, 1, 28, 28].
    /// </summary>
    public static ModelGraph Create(string name, int? numClasses = null, ulong seed = 0, long[]? inputShape = null)
    {
        if (!Models.TryGetValue(name, out var entry))
        {
            throw new ArgumentException($"unknown model '{name}'; known models: {string.Join(", ", Names)}", nameof(name));
        }

        var classes = numClasses ?? entry.DefaultClasses;
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), classes, "a classifier needs at least one class");
        if (inputShape is null) return entry.Create(classes, seed, entry.DefaultInput);
        if (inputShape.Length != 4 || inputShape.Any(d => d <= 0))
        {
            throw new ArgumentException($"model '{name}' takes image batches N×C×H×W; got input shape [{string.Join(", ", inputShape)}]", nameof(inputShape));
        }

        try
        {
            return entry.Create(classes, seed, [1, .. inputShape[1..]]);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ArgumentException(
                $"model '{name}' cannot take {inputShape[1]}×{inputShape[2]}×{inputShape[3]} inputs (its default is " +
                $"{string.Join("×", entry.DefaultInput[1..])}): {e.Message}", e);
        }
    }
}
