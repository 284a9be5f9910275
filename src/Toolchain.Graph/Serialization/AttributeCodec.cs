using System.Text.Json.Nodes;

namespace Toolchain.Graph.Serialization;

/// <summary>Node attributes ⇄ JSON for graph files; one exhaustive switch per direction.</summary>
internal static class AttributeCodec
{
    public static JsonObject Write(OpKind op, OpAttributes attributes)
    {
        static JsonArray Pair((int H, int W) p) => [p.H, p.W];
        static JsonArray Longs(IEnumerable<long> xs) => new(xs.Select(x => (JsonNode)x).ToArray());

        switch (op)
        {
            case OpKind.Conv:
            {
                var a = (ConvAttributes)attributes;
                return new JsonObject
                {
                    ["kernel"] = Pair(a.Kernel), ["stride"] = Pair(a.Stride), ["padding"] = Pair(a.Padding),
                    ["dilation"] = Pair(a.Dilation), ["groups"] = a.Groups,
                };
            }

            case OpKind.BatchNorm:
            {
                var a = (BatchNormAttributes)attributes;
                return new JsonObject { ["epsilon"] = a.Epsilon, ["momentum"] = a.Momentum };
            }

            case OpKind.Clip:
            {
                var a = (ClipAttributes)attributes;
                return new JsonObject { ["min"] = a.Min, ["max"] = a.Max };
            }

            case OpKind.Concat:
                return new JsonObject { ["axis"] = ((ConcatAttributes)attributes).Axis };
            case OpKind.Split:
            {
                var a = (SplitAttributes)attributes;
                return new JsonObject { ["axis"] = a.Axis, ["sizes"] = Longs(a.Sizes) };
            }

            case OpKind.Slice:
            {
                var a = (SliceAttributes)attributes;
                return new JsonObject { ["axis"] = a.Axis, ["start"] = a.Start, ["end"] = a.End, ["step"] = a.Step };
            }

            case OpKind.MaxPool or OpKind.AveragePool:
            {
                var a = (PoolAttributes)attributes;
                return new JsonObject
                {
                    ["kernel"] = a.Kernel, ["stride"] = a.Stride, ["padding"] = a.Padding, ["ceil_mode"] = a.CeilMode,
                    ["count_include_pad"] = a.CountIncludePad,
                };
            }

            case OpKind.Flatten:
                return new JsonObject { ["axis"] = ((FlattenAttributes)attributes).Axis };
            case OpKind.Reshape:
                return new JsonObject { ["shape"] = Longs(((ReshapeAttributes)attributes).Shape) };
            case OpKind.Transpose:
                return new JsonObject { ["perm"] = Longs(((TransposeAttributes)attributes).Permutation.Select(p => (long)p)) };
            case OpKind.Dropout:
                return new JsonObject { ["p"] = ((DropoutAttributes)attributes).Probability };
            case OpKind.Relu or OpKind.Relu6 or OpKind.HardSwish or OpKind.HardSigmoid or OpKind.Sigmoid or OpKind.SiLU
                or OpKind.Add or OpKind.Mul or OpKind.GlobalAveragePool or OpKind.Gemm or OpKind.Identity:
                return [];
            default:
                throw new ArgumentOutOfRangeException(nameof(op), op, "unknown op");
        }
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
            OpKind.Relu or OpKind.Relu6 or OpKind.HardSwish or OpKind.HardSigmoid or OpKind.Sigmoid or OpKind.SiLU
                or OpKind.Add or OpKind.Mul or OpKind.GlobalAveragePool or OpKind.Gemm or OpKind.Identity => NoAttributes.Instance,
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown op"),
        };
    }
}
