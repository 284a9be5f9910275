namespace Toolchain.Graph.Zoo;

/// <summary>
/// VGG-16 with BatchNorm for CIFAR (the common variant): 13 conv-BN-ReLU in torchvision's "features.i" numbering
/// with 5 max-pools bringing 32×32 to 1×1, then one Linear(512, classes) named "classifier".
/// </summary>
internal static class CifarVgg
{
    private const int Pool = 0;
    private static readonly int[] Config16 = [64, 64, Pool, 128, 128, Pool, 256, 256, 256, Pool, 512, 512, 512, Pool, 512, 512, 512, Pool];

    public static ModelGraph Create16Bn(int numClasses, ulong seed, long[] input)
    {
        using var b = new GraphBuilder("vgg16_bn", input, seed) { LinearInit = LinearInit.Normal001 };
        var x = b.Input;
        var index = 0;
        foreach (var width in Config16)
        {
            if (width == Pool)
            {
                x = b.MaxPool(x, 2, 2, name: $"features.{index++}");
                continue;
            }

            x = b.Conv(x, width, 3, padding: 1, bias: true, name: $"features.{index++}");
            x = b.BatchNorm(x, $"features.{index++}");
            x = b.Relu(x, $"features.{index++}");
        }

        x = b.Flatten(x, name: "flatten");
        x = b.Linear(x, numClasses, name: "classifier");
        b.Output(x);
        return b.Build();
    }
}
