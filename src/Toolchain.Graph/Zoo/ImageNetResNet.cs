namespace Toolchain.Graph.Zoo;

/// <summary>torchvision's ImageNet ResNets (v1.5) on [1, 3, 224, 224], with torchvision's state_dict names.</summary>
internal static class ImageNetResNet
{
    public static ModelGraph Create(string name, bool bottleneck, int[] layers, int numClasses, ulong seed, long[] input)
    {
        using var b = new GraphBuilder(name, input, seed);
        var x = b.Conv(b.Input, 64, 7, 2, 3, bias: false, name: "conv1");
        x = b.BatchNorm(x, "bn1");
        x = b.Relu(x, "relu");
        x = b.MaxPool(x, 3, 2, 1, name: "maxpool");
        var channels = 64;
        int[] widths = [64, 128, 256, 512];
        for (var stage = 0; stage < layers.Length; stage++)
        {
            for (var i = 0; i < layers[stage]; i++)
            {
                var stride = stage > 0 && i == 0 ? 2 : 1;
                var prefix = $"layer{stage + 1}.{i}";
                if (bottleneck)
                {
                    x = Blocks.Bottleneck(b, x, prefix, channels, widths[stage], stride);
                    channels = widths[stage] * 4;
                }
                else
                {
                    x = Blocks.Basic(b, x, prefix, channels, widths[stage], stride);
                    channels = widths[stage];
                }
            }
        }

        x = Blocks.ResNetHead(b, x, numClasses);
        b.Output(x);
        return b.Build();
    }
}
