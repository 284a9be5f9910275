using Toolchain.Graph;

namespace Toolchain.Profiling;

/// <summary>
/// Builds the single-layer model that times one <see cref="LayerConfig"/> at given widths, in the form the layer is
/// deployed. On ONNX Runtime the layer's input must arrive the way it does inside a model — in the blocked (NCHWc)
/// layout another conv writes, not the plain layout of a graph input — so a 1×1 "feeder" conv produces it (and, for
/// a residual layer, the value added). Feeders end in a ReLU so ONNX Runtime cannot fuse the layer's ops into them;
/// their nodes are named <see cref="FeederPrefix"/>… and their time is excluded. Without feeders (libtorch eager,
/// where layout does not matter) the layer reads the graph input and a residual Add adds the layer's own output.
/// </summary>
internal static class UnitGraphs
{
    public const string FeederPrefix = "profiler_feed";

    /// <summary>Channels of the graph input when feeders are used (a multiple of every NCHWc block size).</summary>
    private const int FeederInputChannels = 16;

    /// <summary>The graph input's shape for <paramref name="config"/> at <paramref name="dims"/>.</summary>
    public static long[] InputShape(LayerConfig config, int[] dims, int batch, bool feeders)
    {
        if (config.Op == OpKind.Gemm) return [batch, dims[0]];
        var channels = feeders && !config.ReadsGraphInput ? FeederInputChannels : dims[0];
        return [batch, channels, config.InputSize[0], config.InputSize[1]];
    }

    public static ModelGraph Build(LayerConfig config, int[] dims, int batch, bool feeders)
    {
        if (dims.Length != config.AxisNames.Count) throw new ArgumentException($"'{config.Key}' has {config.AxisNames.Count} width axes; got {dims.Length} widths");
        if (dims.Any(d => d < 1)) throw new ArgumentException($"'{config.Key}': widths must be ≥ 1, got [{string.Join(", ", dims)}]");
        using var b = new GraphBuilder("layer", InputShape(config, dims, batch, feeders), seed: 0);
        var output = config.Op switch
        {
            OpKind.Conv or OpKind.Gemm => HeadLayer(b, config, dims, feeders),
            _ => StandaloneLayer(b, config, dims[0], feeders),
        };
        b.Output(output);
        return b.Build();
    }

    private static string HeadLayer(GraphBuilder b, LayerConfig config, int[] dims, bool feeders)
    {
        if (config.Op == OpKind.Gemm) return Activate(b, b.Linear(b.Input, dims[1], name: "layer"), config.Activation);

        var inputs = dims[0];
        var outputs = config.Depthwise > 0 ? dims[0] * config.Depthwise : dims[1];
        var x = feeders && !config.ReadsGraphInput ? Feeder(b, inputs, 1, "in") : b.Input;
        var attributes = new ConvAttributes((config.Kernel[0], config.Kernel[1]), (config.Stride[0], config.Stride[1]),
            (config.Padding[0], config.Padding[1]), (config.Dilation[0], config.Dilation[1]), config.Depthwise > 0 ? inputs : 1);
        var y = b.Conv(x, outputs, attributes, bias: !config.BatchNorm, name: "layer");
        if (config.BatchNorm) y = b.BatchNorm(y, "layer_bn");
        if (config.Residual)
        {
            string other;
            if (feeders)
            {
                var spatial = b.ShapeOf(y);
                other = Feeder(b, outputs, config.Stride[0], "residual");
                if (!b.ShapeOf(other).SequenceEqual(spatial))
                {
                    throw new NotSupportedException($"'{config.Key}': the residual operand cannot be built at the layer's output shape [{string.Join(", ", spatial)}]");
                }
            }
            else
            {
                other = y;
            }

            y = b.Add(y, other, "layer_add");
        }

        return Activate(b, y, config.Activation);
    }

    private static string StandaloneLayer(GraphBuilder b, LayerConfig config, int channels, bool feeders)
    {
        var x = feeders && !config.ReadsGraphInput ? Feeder(b, channels, 1, "in") : b.Input;
        return config.Op switch
        {
            OpKind.Add => b.Add(x, feeders ? Feeder(b, channels, 1, "other") : x, "layer"),
            OpKind.Mul => b.Mul(x, feeders ? Feeder(b, channels, 1, "other") : x, "layer"),
            OpKind.BatchNorm => b.BatchNorm(x, "layer"),
            OpKind.MaxPool => b.MaxPool(x, config.Kernel[0], config.Stride[0], config.Padding[0], config.CeilMode, "layer"),
            OpKind.AveragePool => b.AveragePool(x, config.Kernel[0], config.Stride[0], config.Padding[0], config.CeilMode, config.CountIncludePad, "layer"),
            OpKind.GlobalAveragePool => b.GlobalAveragePool(x, "layer"),
            OpKind.HardSwish => b.HardSwish(x, "layer"),
            OpKind.SiLU => b.Silu(x, "layer"),
            _ when LayerUnits.IsFusableActivation(config.Op) => Activate(b, x, config.Op),
            _ => throw new NotSupportedException($"'{config.Key}': no single-layer model for a standalone {config.Op}"),
        };
    }

    private static string Activate(GraphBuilder b, string x, OpKind? activation) => activation switch
    {
        null => x,
        OpKind.Relu => b.Relu(x, "layer_act"),
        OpKind.Relu6 => b.Relu6(x, "layer_act"),
        OpKind.Clip => b.Clip(x, 0, 6, "layer_act"),
        OpKind.Sigmoid => b.Sigmoid(x, "layer_act"),
        OpKind.HardSigmoid => b.HardSigmoid(x, "layer_act"),
        _ => throw new NotSupportedException($"activation {activation} is not fused into layers"),
    };

    /// <summary>A 1×1 conv from the graph input to <paramref name="channels"/> channels, then ReLU (so nothing fuses into it).</summary>
    private static string Feeder(GraphBuilder b, int channels, int stride, string role)
    {
        var y = b.Conv(b.Input, channels, 1, stride, name: $"{FeederPrefix}_{role}");
        return b.Relu(y, $"{FeederPrefix}_{role}_relu");
    }
}
