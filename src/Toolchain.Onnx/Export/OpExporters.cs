using Onnx;
using Toolchain.Graph;
using static Toolchain.Onnx.Export.OnnxAttributes;

namespace Toolchain.Onnx.Export;

/// <summary>
/// The rule of each op: which ONNX node(s) (opset 17) compute it in inference. One exhaustive switch, so a new
/// <see cref="OpKind"/> does not compile until it has a rule. Helper initializers are named "{node}.{what}".
/// </summary>
internal static class OpExporters
{
    public static void Export(Node node, ExportContext cx)
    {
        var x = cx.Value(node.Inputs[0]);
        // A switch expression without a default arm: a new op does not compile until it has an export rule.
        Action export = node.Op switch
        {
            OpKind.Conv => () => cx.AddNode("Conv", node.Name,
                Present(x, cx.RequiredStateTensor(node, TensorRole.Weight), cx.StateTensor(node, TensorRole.Bias)),
                node.Outputs, ConvAttributes(node.AttributesAs<ConvAttributes>())),
            OpKind.BatchNorm => () => BatchNorm(node, x, cx),
            OpKind.LayerNorm => () => LayerNorm(node, x, cx),
            OpKind.Relu => () => Unary("Relu", node, x, cx),
            OpKind.Relu6 => () => Clip(node, x, 0, 6, cx),
            OpKind.Clip => () => Clip(node, x, node.AttributesAs<ClipAttributes>().Min, node.AttributesAs<ClipAttributes>().Max, cx),
            // ONNX's HardSwish is PyTorch's: x·clip(x/6 + 1/2, 0, 1).
            OpKind.HardSwish => () => Unary("HardSwish", node, x, cx),
            // ONNX's default alpha is 0.2; PyTorch's hardsigmoid uses 1/6.
            OpKind.HardSigmoid => () => cx.AddNode("HardSigmoid", node.Name, [x], node.Outputs, Float("alpha", 1.0 / 6), Float("beta", 0.5)),
            OpKind.Sigmoid => () => Unary("Sigmoid", node, x, cx),
            OpKind.SiLU => () => Silu(node, x, cx),
            OpKind.Gelu => () => Gelu(node, x, cx),
            OpKind.Add => () => cx.AddNode("Add", node.Name, [x, cx.Value(node.Inputs[1])], node.Outputs),
            OpKind.Mul => () => cx.AddNode("Mul", node.Name, [x, cx.Value(node.Inputs[1])], node.Outputs),
            OpKind.Concat => () => cx.AddNode("Concat", node.Name, node.Inputs.Select(cx.Value), node.Outputs,
                Int("axis", node.AttributesAs<ConcatAttributes>().Axis)),
            OpKind.Split => () => Split(node, x, cx),
            OpKind.Slice => () => Slice(node, x, cx),
            OpKind.MaxPool => () => cx.AddNode("MaxPool", node.Name, [x], node.Outputs, [.. PoolAttributes(node.AttributesAs<PoolAttributes>())]),
            OpKind.AveragePool => () => AveragePool(node, x, cx),
            OpKind.GlobalAveragePool => () => Unary("GlobalAveragePool", node, x, cx),
            OpKind.Flatten => () => cx.AddNode("Flatten", node.Name, [x], node.Outputs, Int("axis", node.AttributesAs<FlattenAttributes>().Axis)),
            // Our Reshape has ONNX's meaning of 0 (copy the input dimension): allowzero stays at its default 0.
            OpKind.Reshape => () => cx.AddNode("Reshape", node.Name,
                [x, cx.Int64($"{node.Name}.shape", node.AttributesAs<ReshapeAttributes>().Shape)], node.Outputs),
            OpKind.Transpose => () => cx.AddNode("Transpose", node.Name, [x], node.Outputs,
                Ints("perm", [.. node.AttributesAs<TransposeAttributes>().Permutation.Select(p => (long)p)])),
            // nn.Linear: y = x·Wᵀ + b with W [out, in].
            OpKind.Gemm => () => cx.AddNode("Gemm", node.Name,
                Present(x, cx.RequiredStateTensor(node, TensorRole.Weight), cx.StateTensor(node, TensorRole.Bias)),
                node.Outputs, Int("transB", 1)),
            OpKind.Dropout => () => Dropout(node, x, cx),
            OpKind.Identity => () => Unary("Identity", node, x, cx),
            OpKind.Pad => () => Pad(node, x, cx),
            // Opset 17 still takes the axes as an attribute (opset 18 moved them to an input).
            OpKind.ReduceMean => () => cx.AddNode("ReduceMean", node.Name, [x], node.Outputs,
                Ints("axes", [.. node.AttributesAs<ReduceMeanAttributes>().Axes.Select(a => (long)a)]),
                Int("keepdims", node.AttributesAs<ReduceMeanAttributes>().KeepDims ? 1 : 0)),
            OpKind.Resize => () => Resize(node, x, cx),
        };
        export();
    }

    private static void BatchNorm(Node node, string x, ExportContext cx)
    {
        var a = node.AttributesAs<BatchNormAttributes>();
        cx.AddNode("BatchNormalization", node.Name,
            [x, cx.RequiredStateTensor(node, TensorRole.Weight), cx.RequiredStateTensor(node, TensorRole.Bias),
                cx.RequiredStateTensor(node, TensorRole.RunningMean), cx.RequiredStateTensor(node, TensorRole.RunningVar)],
            node.Outputs,
            // ONNX's momentum weighs the running value, PyTorch's the batch value.
            Float("epsilon", a.Epsilon), Float("momentum", 1 - a.Momentum));
    }

    private static void LayerNorm(Node node, string x, ExportContext cx)
    {
        // ONNX's LayerNormalization normalises over the dimensions from its axis on: channels go last and come back,
        // as PyTorch writes ConvNeXt's LayerNorm (Transpose, LayerNormalization over the last axis, Transpose).
        var rank = cx.Graph.ShapeOf(node.Inputs[0]).Length;
        var epsilon = Float("epsilon", node.AttributesAs<LayerNormAttributes>().Epsilon);
        var (weight, bias) = (cx.RequiredStateTensor(node, TensorRole.Weight), cx.RequiredStateTensor(node, TensorRole.Bias));
        if (rank == 2)
        {
            cx.AddNode("LayerNormalization", node.Name, [x, weight, bias], node.Outputs, Int("axis", -1), epsilon);
            return;
        }

        long[] toLast = [0, .. Enumerable.Range(2, rank - 2).Select(d => (long)d), 1];
        long[] back = [0, rank - 1, .. Enumerable.Range(1, rank - 2).Select(d => (long)d)];
        // The LayerNormalization node carries the node's name, so the importer gives its weight and bias the same names.
        var last = $"{node.Name}.channels_last";
        var normalised = $"{node.Name}.normalised";
        cx.AddNode("Transpose", last, [x], [last], Ints("perm", toLast));
        cx.AddNode("LayerNormalization", node.Name, [last, weight, bias], [normalised], Int("axis", -1), epsilon);
        cx.AddNode("Transpose", $"{node.Name}.channels_first", [normalised], node.Outputs, Ints("perm", back));
    }

    private static void Gelu(Node node, string x, ExportContext cx)
    {
        // Opset 17 has no Gelu (opset 20 does): 0.5·x·(1 + erf(x/√2)), as PyTorch writes it; the importer reads this
        // pattern back as one Gelu.
        var scaled = $"{node.Name}.div";
        var erf = $"{node.Name}.erf";
        var onePlus = $"{node.Name}.add";
        var product = $"{node.Name}.mul";
        cx.AddNode("Div", scaled, [x, cx.FloatScalar($"{node.Name}.sqrt2", Math.Sqrt(2))], [scaled]);
        cx.AddNode("Erf", erf, [scaled], [erf]);
        cx.AddNode("Add", onePlus, [erf, cx.FloatScalar($"{node.Name}.one", 1)], [onePlus]);
        cx.AddNode("Mul", product, [x, onePlus], [product]);
        cx.AddNode("Mul", node.Name, [product, cx.FloatScalar($"{node.Name}.half", 0.5)], node.Outputs);
    }

    private static void Silu(Node node, string x, ExportContext cx)
    {
        // Opset 17 has no SiLU: x·sigmoid(x).
        var sigmoid = $"{node.Name}.sigmoid";
        cx.AddNode("Sigmoid", sigmoid, [x], [sigmoid]);
        cx.AddNode("Mul", node.Name, [x, sigmoid], node.Outputs);
    }

    private static void Split(Node node, string x, ExportContext cx)
    {
        // Since opset 13 the sizes are an input, not an attribute.
        var a = node.AttributesAs<SplitAttributes>();
        cx.AddNode("Split", node.Name, [x, cx.Int64($"{node.Name}.split", a.Sizes)], node.Outputs, Int("axis", a.Axis));
    }

    private static void Slice(Node node, string x, ExportContext cx)
    {
        var a = node.AttributesAs<SliceAttributes>();
        cx.AddNode("Slice", node.Name,
            [x, cx.Int64($"{node.Name}.starts", [a.Start]), cx.Int64($"{node.Name}.ends", [a.End]),
                cx.Int64($"{node.Name}.axes", [a.Axis]), cx.Int64($"{node.Name}.steps", [a.Step])],
            node.Outputs);
    }

    private static void AveragePool(Node node, string x, ExportContext cx)
    {
        var a = node.AttributesAs<PoolAttributes>();
        if (a is { CeilMode: true, CountIncludePad: true, Padding: > 0 } && CeilOverhangCorrection(a, node, cx) is { } correction)
        {
            // A ceil-mode window overhangs the padded input. PyTorch divides it by its size clipped to the padded
            // input; ONNX Runtime by the whole window (and its Pad fusion turns an explicit Pad back into that).
            // So: average over the input elements only, then rescale each output position by
            // (input elements / PyTorch's divisor), a constant map of the static spatial size.
            var pooled = cx.AddNode("AveragePool", $"{node.Name}.pool", [x], [$"{node.Name}.pooled"],
                [.. PoolAttributes(a), Int("count_include_pad", 0)]).Output[0];
            var (h, w) = (correction.GetLength(0), correction.GetLength(1));
            var ratio = cx.Float($"{node.Name}.divisor_ratio", correction.Cast<float>().ToArray(), [1, 1, h, w]);
            cx.AddNode("Mul", node.Name, [pooled, ratio], node.Outputs);
            return;
        }

        cx.AddNode("AveragePool", node.Name, [x], node.Outputs,
            [.. PoolAttributes(a), Int("count_include_pad", a.CountIncludePad ? 1 : 0)]);
    }

    private static void Dropout(Node node, string x, ExportContext cx)
    {
        // Inference: the identity. Readers take the input directly, unless the graph's output must keep its name.
        if (cx.Graph.IsOutput(node.Output)) Unary("Identity", node, x, cx);
        else cx.Alias(node.Output, x);
    }

    private static void Pad(Node node, string x, ExportContext cx)
    {
        // Since opset 11 the pads (and the constant) are inputs; the layout (begins, then ends) is ours.
        var a = node.AttributesAs<PadAttributes>();
        var mode = a.Mode switch
        {
            PadMode.Constant => "constant",
            PadMode.Reflect => "reflect",
            PadMode.Edge => "edge",
        };
        string[] inputs = a.Mode == PadMode.Constant && a.Value != 0
            ? [x, cx.Int64($"{node.Name}.pads", a.Pads), cx.FloatScalar($"{node.Name}.value", a.Value)]
            : [x, cx.Int64($"{node.Name}.pads", a.Pads)];
        cx.AddNode("Pad", node.Name, inputs, node.Outputs, Text("mode", mode));
    }

    private static void Resize(Node node, string x, ExportContext cx)
    {
        // As PyTorch writes F.interpolate at opsets 11–17: no roi; scales [1, 1, h, w], or sizes [N, C] of the input
        // (Shape with start/end, opset 15) followed by the fixed [H, W], so the batch stays dynamic.
        var a = node.AttributesAs<ResizeAttributes>();
        AttributeProto[] attributes = a.Mode switch
        {
            ResizeMode.Nearest => [Text("mode", "nearest"), Text("coordinate_transformation_mode", "asymmetric"), Text("nearest_mode", "floor")],
            ResizeMode.Bilinear => [Text("mode", "linear"), Text("coordinate_transformation_mode", a.AlignCorners ? "align_corners" : "half_pixel")],
        };
        if (a.Scales is { } f)
        {
            cx.AddNode("Resize", node.Name, [x, "", cx.Float($"{node.Name}.scales", [1, 1, (float)f.H, (float)f.W], [4])], node.Outputs, attributes);
            return;
        }

        var (h, w) = a.Size!.Value;
        var batchAndChannels = cx.AddNode("Shape", $"{node.Name}.batch_channels", [x], [$"{node.Name}.batch_channels"], Int("start", 0), Int("end", 2)).Output[0];
        var sizes = cx.AddNode("Concat", $"{node.Name}.sizes", [batchAndChannels, cx.Int64($"{node.Name}.spatial_size", [h, w])], [$"{node.Name}.sizes"], Int("axis", 0)).Output[0];
        cx.AddNode("Resize", node.Name, [x, "", "", sizes], node.Outputs, attributes);
    }

    public static AttributeProto[] ConvAttributes(ConvAttributes a) =>
    [
        Ints("kernel_shape", a.Kernel.H, a.Kernel.W),
        Ints("strides", a.Stride.H, a.Stride.W),
        Ints("pads", a.Padding.H, a.Padding.W, a.Padding.H, a.Padding.W),
        Ints("dilations", a.Dilation.H, a.Dilation.W),
        Int("group", a.Groups),
    ];

    /// <summary>
    /// Per output position of a ceil-mode average pool counting padding: (window elements inside the input) /
    /// (PyTorch's divisor, the window clipped to the padded input); null when no window overhangs (every ratio
    /// would make count_include_pad=1 exact).
    /// </summary>
    private static float[,]? CeilOverhangCorrection(PoolAttributes a, Node node, ExportContext cx)
    {
        var input = cx.Graph.ShapeOf(node.Inputs[0]);
        var output = cx.Graph.ShapeOf(node.Output);
        var (rows, rowsIn) = Divisors(input[2], output[2], a);
        var (cols, colsIn) = Divisors(input[3], output[3], a);
        var overhang = false;
        var ratio = new float[output[2], output[3]];
        for (var i = 0; i < output[2]; i++)
        {
            for (var j = 0; j < output[3]; j++)
            {
                overhang |= rows[i] * cols[j] != (long)a.Kernel * a.Kernel;
                ratio[i, j] = (float)((double)rowsIn[i] * colsIn[j] / (rows[i] * cols[j]));
            }
        }

        return overhang ? ratio : null;

        // Along one axis: PyTorch's window length clipped to the padded input, and the part inside the input.
        static (long[] Padded, long[] Inside) Divisors(long size, long outputs, PoolAttributes a)
        {
            var (padded, inside) = (new long[outputs], new long[outputs]);
            for (var o = 0; o < outputs; o++)
            {
                var start = o * a.Stride - a.Padding;
                padded[o] = Math.Min(start + a.Kernel, size + a.Padding) - start;
                inside[o] = Math.Min(start + a.Kernel, size) - Math.Max(start, 0);
            }

            return (padded, inside);
        }
    }

    private static AttributeProto[] PoolAttributes(PoolAttributes a) =>
    [
        Ints("kernel_shape", a.Kernel, a.Kernel),
        Ints("strides", a.Stride, a.Stride),
        Ints("pads", a.Padding, a.Padding, a.Padding, a.Padding),
        Int("ceil_mode", a.CeilMode ? 1 : 0),
    ];

    private static void Unary(string opType, Node node, string x, ExportContext cx) => cx.AddNode(opType, node.Name, [x], node.Outputs);

    /// <summary>Clip with bounds as scalar initializers; an open bound is omitted ("" when the max follows).</summary>
    private static void Clip(Node node, string x, double? min, double? max, ExportContext cx)
    {
        var minName = min is { } lo ? cx.FloatScalar($"{node.Name}.min", lo) : "";
        var maxName = max is { } hi ? cx.FloatScalar($"{node.Name}.max", hi) : null;
        string[] inputs = maxName is not null ? [x, minName, maxName] : minName != "" ? [x, minName] : [x];
        cx.AddNode("Clip", node.Name, inputs, node.Outputs);
    }

    /// <summary>The inputs up to the last one present (an absent optional bias is simply left off).</summary>
    private static string[] Present(params string?[] inputs) => [.. inputs.OfType<string>()];
}
