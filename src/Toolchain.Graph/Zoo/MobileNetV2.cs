namespace Toolchain.Graph.Zoo;

/// <summary>
/// MobileNetV2 in torchvision's layout and names ("features.i.conv.j.k", "classifier.1"), ReLU6, dropout 0.2
/// before the classifier. The CIFAR variant takes 32×32 inputs: its stem and the first 24-channel stage use
/// stride 1 instead of 2 (as the common CIFAR implementation), so the last feature map is 4×4, not 1×1.
/// </summary>
internal static class MobileNetV2
{
    // expansion t, output channels c, repeats n, first stride s (torchvision's inverted_residual_setting)
    private static readonly (int T, int C, int N, int S)[] Settings =
        [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];

    public static ModelGraph Create(string name, bool cifar, int numClasses, ulong seed, long[] input)
    {
        using var b = new GraphBuilder(name, input, seed) { LinearInit = LinearInit.Normal001 };
        var x = ConvBnRelu6(b, b.Input, "features.0", 32, 3, cifar ? 1 : 2, groups: 1);
        var channels = 32;
        var index = 1;
        for (var stage = 0; stage < Settings.Length; stage++)
        {
            var (t, c, n, s) = Settings[stage];
            if (cifar && stage == 1) s = 1;
            for (var i = 0; i < n; i++)
            {
                x = InvertedResidual(b, x, $"features.{index++}", channels, c, i == 0 ? s : 1, t);
                channels = c;
            }
        }

        x = ConvBnRelu6(b, x, $"features.{index}", 1280, 1, 1, groups: 1);
        x = b.GlobalAveragePool(x, "avgpool");
        x = b.Flatten(x, name: "flatten");
        x = b.Dropout(x, 0.2, "classifier.0");
        x = b.Linear(x, numClasses, name: "classifier.1");
        b.Output(x);
        return b.Build();
    }

    private static string ConvBnRelu6(GraphBuilder b, string x, string prefix, int outChannels, int kernel, int stride, int groups)
    {
        x = b.Conv(x, outChannels, kernel, stride, (kernel - 1) / 2, groups: groups, bias: false, name: $"{prefix}.0");
        x = b.BatchNorm(x, $"{prefix}.1");
        return b.Relu6(x, $"{prefix}.2");
    }

    private static string InvertedResidual(GraphBuilder b, string x, string prefix, int inChannels, int outChannels, int stride, int expansion)
    {
        var hidden = inChannels * expansion;
        var y = x;
        var j = 0;
        if (expansion != 1) y = ConvBnRelu6(b, y, $"{prefix}.conv.{j++}", hidden, 1, 1, groups: 1);
        y = ConvBnRelu6(b, y, $"{prefix}.conv.{j++}", hidden, 3, stride, groups: hidden);
        y = b.Conv(y, outChannels, 1, bias: false, name: $"{prefix}.conv.{j++}");
        y = b.BatchNorm(y, $"{prefix}.conv.{j}");
        return stride == 1 && inChannels == outChannels ? b.Add(x, y, $"{prefix}.add") : y;
    }
}
