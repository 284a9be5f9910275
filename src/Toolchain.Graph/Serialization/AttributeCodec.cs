using System.Text.Json.Nodes;

namespace Toolchain.Graph.Serialization;

/// <summary>Node attributes ⇄ JSON for graph files; one exhaustive switch per direction.</summary>
internal static class AttributeCodec
{
    public static JsonObject Write(OpKind op, OpAttributes attributes)
    {
        static JsonArray Pair((int H, int W) p) => [p.H, p.W];
        static JsonArray Longs(IEnumerable<long> xs) => new(xs.Select(x => (JsonNode)x).ToArray());

        JsonObject Pool(PoolAttributes a) => new()
        {
            ["kernel"] = a.Kernel, ["stride"] = a.Stride, ["padding"] = a.Padding, ["ceil_mode"] = a.CeilMode,
            ["count_include_pad"] = a.CountIncludePad,
        };

        // A switch expression without a default arm: a new op does not compile until it has a graph-file form.
        return op switch
        {
            OpKind.Conv => attributes is ConvAttributes a ? new JsonObject
            {
                ["kernel"] = Pair(a.Kernel), ["stride"] = Pair(a.Stride), ["padding"] = Pair(a.Padding),
                ["dilation"] = Pair(a.Dilation), ["groups"] = a.Groups,
            } : Mismatch(),
            OpKind.BatchNorm => attributes is BatchNormAttributes a ? new JsonObject { ["epsilon"] = a.Epsilon, ["momentum"] = a.Momentum } : Mismatch(),
            OpKind.Clip => attributes is ClipAttributes a ? new JsonObject { ["min"] = a.Min, ["max"] = a.Max } : Mismatch(),
            OpKind.Concat => attributes is ConcatAttributes a ? new JsonObject { ["axis"] = a.Axis } : Mismatch(),
            OpKind.Split => attributes is SplitAttributes a ? new JsonObject { ["axis"] = a.Axis, ["sizes"] = Longs(a.Sizes) } : Mismatch(),
            OpKind.Slice => attributes is SliceAttributes a
                ? new JsonObject { ["axis"] = a.Axis, ["start"] = a.Start, ["end"] = a.End, ["step"] = a.Step }
                : Mismatch(),
            OpKind.MaxPool or OpKind.AveragePool => attributes is PoolAttributes a ? Pool(a) : Mismatch(),
            OpKind.Flatten => attributes is FlattenAttributes a ? new JsonObject { ["axis"] = a.Axis } : Mismatch(),
            OpKind.Reshape => attributes is ReshapeAttributes a ? new JsonObject { ["shape"] = Longs(a.Shape) } : Mismatch(),
            OpKind.Transpose => attributes is TransposeAttributes a ? new JsonObject { ["perm"] = Longs(a.Permutation.Select(p => (long)p)) } : Mismatch(),
            OpKind.Dropout => attributes is DropoutAttributes a ? new JsonObject { ["p"] = a.Probability } : Mismatch(),
            // The mode is written by name (lower case, as ONNX spells it) so a graph file stays readable and stable.
            OpKind.Pad => attributes is PadAttributes a
                ? new JsonObject { ["pads"] = Longs(a.Pads), ["mode"] = a.Mode.ToString().ToLowerInvariant(), ["value"] = a.Value }
                : Mismatch(),
            OpKind.ReduceMean => attributes is ReduceMeanAttributes a
                ? new JsonObject { ["axes"] = Longs(a.Axes.Select(x => (long)x)), ["keepdims"] = a.KeepDims }
                : Mismatch(),
            OpKind.LayerNorm => attributes is LayerNormAttributes a ? new JsonObject { ["epsilon"] = a.Epsilon } : Mismatch(),
            // Exactly one of "size" and "scales" is written, as the attributes hold exactly one.
            OpKind.Resize => attributes is ResizeAttributes a
                ? new JsonObject
                {
                    ["mode"] = a.Mode.ToString().ToLowerInvariant(), ["align_corners"] = a.AlignCorners,
                    ["size"] = a.Size is { } s ? Longs([s.H, s.W]) : null, ["scales"] = a.Scales is { } f ? new JsonArray(f.H, f.W) : null,
                }
                : Mismatch(),
            OpKind.Relu or OpKind.Relu6 or OpKind.HardSwish or OpKind.HardSigmoid or OpKind.Sigmoid or OpKind.SiLU or OpKind.Gelu
                or OpKind.Add or OpKind.Mul or OpKind.GlobalAveragePool or OpKind.Gemm or OpKind.Identity => [],
        };

        JsonObject Mismatch() => throw new ArgumentException($"{op} carries {attributes.GetType().Name}, not {OpAttributes.ExpectedType(op).Name}", nameof(attributes));
    }

    /// <summary>Parses attributes; throws FormatException (or a JSON exception) naming the missing field.</summary>
    public static OpAttributes Read(OpKind op, JsonObject json)
    {
        JsonNode Field(string name) => json[name] ?? throw new FormatException($"attribute '{name}' is missing");
        int Int(string name) => Field(name).GetValue<int>();
        long Long(string name) => Field(name).GetValue<long>();
        double Double(string name) => Field(name).GetValue<double>();
        double? OptionalDouble(string name) => json[name]?.GetValue<double>();
        (int, int) Pair(string name)
        {
            var a = Field(name).AsArray();
            return a.Count == 2 ? (a[0]!.GetValue<int>(), a[1]!.GetValue<int>()) : throw new FormatException($"attribute '{name}' needs 2 numbers");
        }

        long[] Longs(string name) => Field(name).AsArray().Select(n => n!.GetValue<long>()).ToArray();

        return op switch
        {
            OpKind.Conv => new ConvAttributes(Pair("kernel"), Pair("stride"), Pair("padding"), Pair("dilation"), Int("groups")),
            OpKind.BatchNorm => new BatchNormAttributes(Double("epsilon"), Double("momentum")),
            OpKind.Clip => new ClipAttributes(OptionalDouble("min"), OptionalDouble("max")),
            OpKind.Concat => new ConcatAttributes(Int("axis")),
            OpKind.Split => new SplitAttributes(Int("axis"), Longs("sizes")),
            OpKind.Slice => new SliceAttributes(Int("axis"), Long("start"), Long("end"), Long("step")),
            OpKind.MaxPool or OpKind.AveragePool => new PoolAttributes(Int("kernel"), Int("stride"), Int("padding"),
                Field("ceil_mode").GetValue<bool>(), Field("count_include_pad").GetValue<bool>()),
            OpKind.Flatten => new FlattenAttributes(Int("axis")),
            OpKind.Reshape => new ReshapeAttributes(Longs("shape")),
            OpKind.Transpose => new TransposeAttributes(Longs("perm").Select(p => (int)p).ToArray()),
            OpKind.Dropout => new DropoutAttributes(Double("p")),
            OpKind.Pad => new PadAttributes(Longs("pads"), Mode(Field("mode").GetValue<string>()), Double("value")),
            OpKind.ReduceMean => new ReduceMeanAttributes(Longs("axes").Select(x => (int)x).ToArray(), Field("keepdims").GetValue<bool>()),
            OpKind.LayerNorm => new LayerNormAttributes(Double("epsilon")),
            OpKind.Resize => new ResizeAttributes(ResizeModeOf(Field("mode").GetValue<string>()), Field("align_corners").GetValue<bool>(),
                OptionalPair("size", n => n.GetValue<long>()), OptionalPair("scales", n => n.GetValue<double>())),
            OpKind.Relu or OpKind.Relu6 or OpKind.HardSwish or OpKind.HardSigmoid or OpKind.Sigmoid or OpKind.SiLU or OpKind.Gelu
                or OpKind.Add or OpKind.Mul or OpKind.GlobalAveragePool or OpKind.Gemm or OpKind.Identity => NoAttributes.Instance,
        };

        (T, T)? OptionalPair<T>(string name, Func<JsonNode, T> read) where T : struct
        {
            if (json[name] is not { } node) return null;
            var a = node.AsArray();
            return a.Count == 2 ? (read(a[0]!), read(a[1]!)) : throw new FormatException($"attribute '{name}' needs 2 numbers");
        }

        static ResizeMode ResizeModeOf(string mode) => mode switch
        {
            "nearest" => ResizeMode.Nearest,
            "bilinear" => ResizeMode.Bilinear,
            _ => throw new FormatException($"attribute 'mode' is '{mode}'; a Resize's mode is nearest or bilinear"),
        };

        static PadMode Mode(string mode) => mode switch
        {
            "constant" => PadMode.Constant,
            "reflect" => PadMode.Reflect,
            "edge" => PadMode.Edge,
            _ => throw new FormatException($"attribute 'mode' is '{mode}'; a Pad's mode is constant, reflect or edge"),
        };
    }
}
