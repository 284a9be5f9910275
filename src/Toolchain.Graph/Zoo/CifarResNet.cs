namespace Toolchain.Graph.Zoo;

/// <summary>
/// He et al.'s CIFAR ResNets (depth 6n+2: three stages of n BasicBlocks, 16/32/64 channels) on [1, 3, 32, 32]
/// (or another input: Fashion-MNIST's [1, 1, 28, 28]).
/// Shortcuts that change shape use option B (1×1 strided conv + BatchNorm, named "downsample.0/1" as torchvision)
/// because the IR has no Pad op for option A's zero padding.
/// </summary>
internal static class CifarResNet
{
    public static ModelGraph Create(string name, int depth, int numClasses, ulong seed, long[] input)
    {
        if ((depth - 2) % 6 != 0) throw new ArgumentException($"CIFAR ResNet depth must be 6n+2, got {depth}");
        var blocks = (depth - 2) / 6;
        using var b = new GraphBuilder(name, input, seed);
        var x = b.Conv(b.Input, 16, 3, padding: 1, bias: false, name: "conv1");
        x = b.BatchNorm(x, "bn1");
        x = b.Relu(x, "relu");
        var channels = 16;
        int[] widths = [16, 32, 64];
        for (var stage = 0; stage < 3; stage++)
        {
            for (var i = 0; i < blocks; i++)
            {
                var stride = stage > 0 && i == 0 ? 2 : 1;
                x = Blocks.Basic(b, x, $"layer{stage + 1}.{i}", channels, widths[stage], stride);
                channels = widths[stage];
            }
        }

        x = Blocks.ResNetHead(b, x, numClasses);
        b.Output(x);
        return b.Build();
    }
}
