using Toolchain.Graph;

namespace Toolchain.Profiling;

/// <summary>Where a single-layer model's input comes from.</summary>
internal enum Feeders
{
    /// <summary>The layer reads the graph input directly (libtorch eager, where layout does not matter).</summary>
    None,

    /// <summary>A 1×1 conv ONNX Runtime runs blocked (NCHWc) writes the layer's input, as most layers inside a model read it.</summary>
    Blocked,

    /// <summary>A 1×1 conv ONNX Runtime runs on the plain NCHW layout (it reads 17 channels) writes the input.</summary>
    Plain,
}

/// <summary>
/// Builds the single-layer model that times one <see cref="LayerConfig"/> at given widths, in the form the layer is
/// deployed. On ONNX Runtime the layer's input must arrive in the layout it has inside a model, so a 1×1 "feeder"
/// conv writes it (and, for a residual layer, the value added) in the layout the configuration's variant implies.
/// Feeders end in a ReLU so ONNX Runtime fuses nothing of the layer into them; their nodes are named
/// <see cref="FeederPrefix"/>… and their time is not the layer's. On ONNX Runtime the layer is built twice
/// (<see cref="LayerName"/>…, <see cref="TwinName"/>…), their outputs multiplied by a feeder-named node. Without
/// feeders (libtorch eager) the layer reads the graph input and a residual Add adds the layer's own output (the same work).
/// </summary>
internal static class UnitGraphs
{
    public const string FeederPrefix = "profiler_feed";

    /// <summary>The measured layer's node names start with this; on ONNX Runtime its twin's with <see cref="TwinName"/>.</summary>
    public const string LayerName = "layer", TwinName = "twin";

    // A multiple of every NCHWc block size (blocked feeder), and a width ONNX Runtime never blocks (plain feeder).
    private const int BlockedFeederInput = 16, PlainFeederInput = 17;

    /// <summary>The feeders ONNX Runtime needs for this configuration.</summary>
    public static Feeders OrtFeeders(LayerConfig config) =>
        config.Variant == OrtNchwcDeployment.PlainVariant || config.Reorder == "input" ? Feeders.Plain : Feeders.Blocked;

    /// <summary>The graph input's shape for <paramref name="config"/> at <paramref name="dims"/>.</summary>
    public static long[] InputShape(LayerConfig config, int[] dims, int batch, Feeders feeders)
    {
        if (config.Op == OpKind.Gemm) return [batch, dims[0]];
        var channels = feeders switch
        {
            _ when config.ReadsGraphInput || feeders == Feeders.None => dims[0],
            Feeders.Plain => PlainFeederInput,
            _ => BlockedFeederInput,
        };
        return [batch, channels, config.InputSize[0], config.InputSize[1]];
    }

    public static ModelGraph Build(LayerConfig config, int[] dims, int batch, Feeders feeders)
    {
        if (dims.Length != config.AxisNames.Count) throw new ArgumentException($"'{config.Key}' has {config.AxisNames.Count} width axes; got {dims.Length} widths");
        if (dims.Any(d => d < 1)) throw new ArgumentException($"'{config.Key}': widths must be ≥ 1, got [{string.Join(", ", dims)}]");
        using var b = new GraphBuilder("layer", InputShape(config, dims, batch, feeders), seed: 0);
        string output;
        if (config.Reorder is not null)
        {
            if (feeders == Feeders.None) throw new ArgumentException($"'{config.Key}' is an ONNX Runtime layout conversion; it needs feeders");
            var x = Feeder(b, dims[0], 1, "in");
            // A Flatten reads NCHW (a blocked value is reordered for it); a depthwise conv on a multiple of 4 channels
            // reads the blocked layout (a plain value is reordered for it).
            output = config.Reorder == "output"
                ? b.Flatten(x, name: LayerName)
                : b.Conv(x, dims[0], ConvAttributes.Square(1, groups: dims[0]), name: LayerName);
        }
        else
        {
            string Layer(string name)
            {
                var input = config.Op == OpKind.Gemm ? b.Input : Input(b, config, dims[0], feeders, name);
                return config.Op switch
                {
                    OpKind.Conv or OpKind.Gemm => HeadLayer(b, config, dims, feeders, input, name),
                    _ => StandaloneLayer(b, config, feeders, input, name),
                };
            }

            if (feeders == Feeders.None)
            {
                output = Layer(LayerName);
            }
            else
            {
                // Inside a model a kernel mostly runs right after another of its kind; after a different one it is up
                // to a quarter slower. Whichever of two copies ONNX Runtime runs second is the layer as a model runs it
                // (OrtCpuEngine takes the faster per run). Each copy has its own feeders, or ONNX Runtime would merge
                // weightless copies (pools, Adds) into one.
                var twin = Layer(TwinName);
                output = b.Mul(Layer(LayerName), twin, $"{FeederPrefix}_join");
            }
        }

        b.Output(output);
        return b.Build();
    }

    private static string HeadLayer(GraphBuilder b, LayerConfig config, int[] dims, Feeders feeders, string x, string name)
    {
        if (config.Op == OpKind.Gemm) return Activate(b, b.Linear(x, dims[1], name: name), config.Activation, name);

        var inputs = dims[0];
        var outputs = config.Depthwise > 0 ? dims[0] * config.Depthwise : dims[1];
        var attributes = new ConvAttributes((config.Kernel[0], config.Kernel[1]), (config.Stride[0], config.Stride[1]),
            (config.Padding[0], config.Padding[1]), (config.Dilation[0], config.Dilation[1]), config.Depthwise > 0 ? inputs : 1);
        var y = b.Conv(x, outputs, attributes, bias: !config.BatchNorm, name: name);
        if (config.BatchNorm) y = b.BatchNorm(y, $"{name}_bn");
        if (config.Residual)
        {
            var other = y;
            if (feeders != Feeders.None)
            {
                var shape = b.ShapeOf(y);
                other = Feeder(b, outputs, config.Stride[0], $"{name}_residual");
                if (!b.ShapeOf(other).SequenceEqual(shape))
                {
                    throw new NotSupportedException($"'{config.Key}': the residual operand cannot be built at the layer's output shape [{string.Join(", ", shape)}]");
                }
            }

            y = b.Add(y, other, $"{name}_add");
        }

        return Activate(b, y, config.Activation, name);
    }

    private static string StandaloneLayer(GraphBuilder b, LayerConfig config, Feeders feeders, string x, string name)
    {
        var channels = (int)b.ShapeOf(x)[1];
        string Other() => feeders == Feeders.None ? x : Feeder(b, channels, 1, $"{name}_other");
        var y = config.Op switch
        {
            OpKind.Add => b.Add(x, Other(), name),
            OpKind.Mul => b.Mul(x, Other(), name),
            OpKind.BatchNorm => b.BatchNorm(x, name),
            OpKind.MaxPool => b.MaxPool(x, config.Kernel[0], config.Stride[0], config.Padding[0], config.CeilMode, name),
            OpKind.AveragePool => b.AveragePool(x, config.Kernel[0], config.Stride[0], config.Padding[0], config.CeilMode, config.CountIncludePad, name),
            OpKind.GlobalAveragePool => b.GlobalAveragePool(x, name),
            OpKind.HardSwish => b.HardSwish(x, name),
            OpKind.SiLU => b.Silu(x, name),
            OpKind.Gelu => b.Gelu(x, name),
            // Weight 1 and bias 0: the values do not change the work. Exported as Transpose, LayerNormalization,
            // Transpose; on ONNX Runtime the blocked feeder's reorder writes NHWC itself and the two copies' Transposes
            // back merge after the join, so the layer's one kernel is the LayerNormalization (see OrtNchwcDeployment).
            OpKind.LayerNorm => b.LayerNorm(x, name: name),
            OpKind.Resize => b.Resize(x, (config.ResizeTo![0], config.ResizeTo[1]),
                config.Interpolation == "nearest" ? ResizeMode.Nearest : ResizeMode.Bilinear, config.Interpolation == "bilinear-align-corners", name),
            _ when LayerUnits.IsFusableActivation(config.Op) => Activate(b, x, config.Op, name),
            _ => throw new NotSupportedException($"'{config.Key}': no single-layer model for a standalone {config.Op}"),
        };
        return config.Op == OpKind.Add ? Activate(b, y, config.Activation, name) : y;
    }

    private static string Input(GraphBuilder b, LayerConfig config, int channels, Feeders feeders, string name) =>
        feeders == Feeders.None || config.ReadsGraphInput ? b.Input : Feeder(b, channels, 1, $"{name}_in");

    private static string Activate(GraphBuilder b, string x, OpKind? activation, string name) => activation switch
    {
        null => x,
        OpKind.Relu => b.Relu(x, $"{name}_act"),
        OpKind.Relu6 => b.Relu6(x, $"{name}_act"),
        OpKind.Clip => b.Clip(x, 0, 6, $"{name}_act"),
        OpKind.Sigmoid => b.Sigmoid(x, $"{name}_act"),
        OpKind.HardSigmoid => b.HardSigmoid(x, $"{name}_act"),
        _ => throw new NotSupportedException($"activation {activation} is not fused into layers"),
    };

    /// <summary>A 1×1 conv from the graph input to <paramref name="channels"/> channels, then ReLU (so nothing fuses into it).</summary>
    private static string Feeder(GraphBuilder b, int channels, int stride, string role)
    {
        var y = b.Conv(b.Input, channels, 1, stride, name: $"{FeederPrefix}_{role}");
        return b.Relu(y, $"{FeederPrefix}_{role}_relu");
    }
}
