namespace Toolchain.Graph.Zoo;

/// <summary>Residual blocks shared by the ResNets, named as torchvision's modules.</summary>
internal static class Blocks
{
    /// <summary>The ResNet head: global average pool, flatten, fully connected "fc".</summary>
    public static string ResNetHead(GraphBuilder b, string x, int numClasses)
    {
        x = b.GlobalAveragePool(x, "avgpool");
        x = b.Flatten(x, name: "flatten");
        return b.Linear(x, numClasses, name: "fc");
    }

    /// <summary>BasicBlock: 3×3 conv-BN-ReLU, 3×3 conv-BN, plus the (projected) input, ReLU.</summary>
    public static string Basic(GraphBuilder b, string x, string prefix, int inChannels, int outChannels, int stride)
    {
        var y = b.Conv(x, outChannels, 3, stride, 1, bias: false, name: $"{prefix}.conv1");
        y = b.BatchNorm(y, $"{prefix}.bn1");
        y = b.Relu(y, $"{prefix}.relu1");
        y = b.Conv(y, outChannels, 3, 1, 1, bias: false, name: $"{prefix}.conv2");
        y = b.BatchNorm(y, $"{prefix}.bn2");
        var shortcut = Shortcut(b, x, prefix, inChannels, outChannels, stride);
        y = b.Add(y, shortcut, $"{prefix}.add");
        return b.Relu(y, $"{prefix}.relu2");
    }

    /// <summary>Bottleneck (ResNet v1.5, stride on the 3×3): 1×1 reduce, 3×3, 1×1 expand ×4, plus shortcut.</summary>
    public static string Bottleneck(GraphBuilder b, string x, string prefix, int inChannels, int width, int stride)
    {
        var outChannels = width * 4;
        var y = b.Conv(x, width, 1, bias: false, name: $"{prefix}.conv1");
        y = b.BatchNorm(y, $"{prefix}.bn1");
        y = b.Relu(y, $"{prefix}.relu1");
        y = b.Conv(y, width, 3, stride, 1, bias: false, name: $"{prefix}.conv2");
        y = b.BatchNorm(y, $"{prefix}.bn2");
        y = b.Relu(y, $"{prefix}.relu2");
        y = b.Conv(y, outChannels, 1, bias: false, name: $"{prefix}.conv3");
        y = b.BatchNorm(y, $"{prefix}.bn3");
        var shortcut = Shortcut(b, x, prefix, inChannels, outChannels, stride);
        y = b.Add(y, shortcut, $"{prefix}.add");
        return b.Relu(y, $"{prefix}.relu3");
    }

    private static string Shortcut(GraphBuilder b, string x, string prefix, int inChannels, int outChannels, int stride)
    {
        if (stride == 1 && inChannels == outChannels) return x;
        var s = b.Conv(x, outChannels, 1, stride, bias: false, name: $"{prefix}.downsample.0");
        return b.BatchNorm(s, $"{prefix}.downsample.1");
    }
}
