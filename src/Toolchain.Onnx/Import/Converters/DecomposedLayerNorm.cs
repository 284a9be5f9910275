using Onnx;
using Toolchain.Graph;
using Toolchain.Torch;
using static Toolchain.Onnx.Import.Converters.NodePatterns;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>
/// LayerNorm as PyTorch writes <c>F.layer_norm</c> below opset 17, which has no LayerNormalization:
/// <c>d = x − ReduceMean(x)</c>, <c>y = d / Sqrt(ReduceMean(d²) + ε) · weight + bias</c>, both means over the last
/// axis only — nine nodes read back as the one <see cref="OpKind.LayerNorm"/> that LayerNormalization gives at
/// opset 17, over the channels in the same two places (the last axis of a channels-last view of an NCHW value, or
/// of a [N, C] value). The pattern is recognised at its first ReduceMean once a Sub reads x and that mean; from there
/// every node, constant and shape must be the pattern's, or the import is refused saying which is not.
/// </summary>
internal static class DecomposedLayerNorm
{
    private const string PatternText = "ReduceMean over the last axis, Sub it from x, Pow 2 (or Mul by itself), ReduceMean over the last axis, " +
                                       "Add ε, Sqrt, Div, Mul by the weight, Add the bias, each read only by the next";

    /// <summary>A Pow or Sqrt outside the pattern (inside it, they are converted with its first ReduceMean).</summary>
    public static void RefuseOutsidePattern(ImportContext context, NodeProto node)
    {
        _ = new NodeAttributes(node);
        throw new NotSupportedException($"{node.OpType} is supported only inside LayerNorm as PyTorch writes it below opset 17 ({PatternText})");
    }

    /// <summary>
    /// Whether every reader of <paramref name="value"/> starts the pattern on it (its first ReduceMean, or the Sub that
    /// reads it and that mean): a channels-last Transpose read only so stays on the NCHW value, as one read by LayerNormalization does.
    /// </summary>
    public static bool StartsOn(ImportContext context, string value)
    {
        var readers = context.Consumers(value);
        return readers.Count > 0 && !context.IsGraphOutput(value) && readers.All(reader => reader.OpType switch
        {
            "ReduceMean" => StartingSub(context, reader, value) is not null,
            "Sub" => reader.Input.Count == 2 && context.Producer(reader.Input[1]) is { OpType: "ReduceMean" } mean && StartingSub(context, mean, value) == reader,
            _ => false,
        });
    }

    /// <summary>
    /// When <paramref name="reduceMean"/> starts the pattern, emits one LayerNorm for it, marks the eight nodes after it
    /// converted and returns true; when it is not followed by a Sub of x and its mean, changes nothing and returns false.
    /// </summary>
    /// <exception cref="NotSupportedException">It starts the pattern, but the rest is not exactly the pattern.</exception>
    public static bool TryConvert(ImportContext context, NodeProto reduceMean)
    {
        if (reduceMean.Input.Count == 0 || !context.IsActivation(reduceMean.Input[0])) return false;
        if (StartingSub(context, reduceMean, reduceMean.Input[0]) is not { } sub) return false;
        var match = Match(context, reduceMean, sub, out var refusal);
        if (match is null)
        {
            throw new NotSupportedException($"with '{sub.Name}' (Sub) it starts LayerNorm as PyTorch writes it below opset 17 ({PatternText}), " +
                                            $"but {refusal}; only that exact pattern is read (as LayerNorm over the channels)");
        }

        foreach (var node in match.Consumed) context.MarkConsumed(node);
        var channels = match.Channels;
        var name = PatternName(context, reduceMean, match.Last);
        var result = context.Emit(name, OpKind.LayerNorm, [match.Input], new LayerNormAttributes(match.Epsilon),
        [
            (TensorRole.Weight, () => LinearLayer.Reshaped(match.Weight.ToTensor(), [channels])),
            (TensorRole.Bias, () => LinearLayer.Reshaped(match.Bias.ToTensor(), [channels])),
        ])[0];
        if (match.ChannelsLast) context.DefineChannelsLast(match.Last.Output[0], result, $"{name}.nhwc");
        else context.DefineActivation(match.Last.Output[0], result);
        return true;
    }

    /// <summary>The pattern's nodes after the first ReduceMean and what the LayerNorm needs of them.</summary>
    private sealed record PatternMatch(string Input, bool ChannelsLast, long Channels, double Epsilon, ConstantValue Weight, ConstantValue Bias,
        IReadOnlyList<NodeProto> Consumed)
    {
        public NodeProto Last => Consumed[^1];
    }

    /// <summary>The Sub that reads x and the mean <paramref name="reduceMean"/> takes of x (its only reader), or null.</summary>
    private static NodeProto? StartingSub(ImportContext context, NodeProto reduceMean, string x) =>
        reduceMean.Input.Count >= 1 && reduceMean.Input[0] == x && reduceMean.Output.Count == 1
        && OnlyConsumer(context, reduceMean.Output[0], "Sub") is { } sub && sub.Input.Count == 2 && sub.Input[0] == x && sub.Input[1] == reduceMean.Output[0]
            ? sub
            : null;

    /// <summary>The rest of the pattern after <paramref name="sub"/>, or null with what differs in <paramref name="refusal"/>.</summary>
    private static PatternMatch? Match(ImportContext context, NodeProto reduceMean, NodeProto sub, out string refusal)
    {
        var x = reduceMean.Input[0];
        var channelsLast = context.TryGetChannelsLast(x, out var input);
        if (!channelsLast && !context.TryGetActivation(x, out input)) throw new InvalidOperationException($"'{x}' was checked to be an activation");
        var nchw = context.ShapeOf(input);
        long[] shape = channelsLast ? [nchw[0], nchw[2], nchw[3], nchw[1]] : nchw;
        if (!channelsLast && shape.Length != 2)
        {
            refusal = $"it normalises over the last axis of x, {Shapes.Format(shape)}; only over the channels is supported " +
                      "(the last axis of a [N, C] value, or of a channels-last value transposed from NCHW by perm [0, 2, 3, 1])";
            return null;
        }

        var channels = shape[^1];
        if (!MeansOverLastAxis(context, reduceMean, shape.Length, out refusal)) return null;

        var d = sub.Output[0];
        var readers = context.IsGraphOutput(d) ? [] : context.Consumers(d);
        var square = readers.FirstOrDefault(r => IsDefaultDomain(r, "Pow") && r.Input.Count == 2 && r.Input[0] == d
                                                 || IsDefaultDomain(r, "Mul") && r.Input.Count == 2 && r.Input[0] == d && r.Input[1] == d);
        var div = readers.FirstOrDefault(r => IsDefaultDomain(r, "Div") && r.Input.Count == 2 && r.Input[0] == d);
        if (readers.Count != 2 || square is null || div is null)
        {
            refusal = $"x − mean ('{sub.Name}') is read by {Readers(context, d)}; the pattern reads it twice, squared (Pow 2 or Mul by itself) and divided (Div)";
            return null;
        }

        if (square.OpType == "Pow" && !(TryConstant(context, square.Input[1], out var exponent) && exponent.Count == 1 && exponent.ToDoubles()[0] == 2))
        {
            refusal = $"'{square.Name}' (Pow) raises x − mean to {Describe(context, square.Input[1])}, not 2";
            return null;
        }

        if (Next(context, square, "ReduceMean", out refusal) is not { } variance || !MeansOverLastAxis(context, variance, shape.Length, out refusal)) return null;
        if (Next(context, variance, "Add", out refusal) is not { } addEpsilon) return null;
        var epsilonName = Other(addEpsilon, variance.Output[0]);
        if (!(epsilonName is not null && TryConstant(context, epsilonName, out var epsilonValue) && epsilonValue.IsFloat && epsilonValue.Count == 1
              && epsilonValue.ToDoubles()[0] > 0))
        {
            refusal = $"'{addEpsilon.Name}' (Add) adds {(epsilonName is null ? "a third operand" : Describe(context, epsilonName))} to the variance; " +
                      "ε must be a positive float scalar constant";
            return null;
        }

        if (Next(context, addEpsilon, "Sqrt", out refusal) is not { } sqrt) return null;
        if (Next(context, sqrt, "Div", out refusal) is not { } divBySqrt) return null;
        if (divBySqrt != div || div.Input[1] != sqrt.Output[0])
        {
            refusal = $"'{divBySqrt.Name}' (Div) does not divide x − mean by the square root '{sqrt.Name}'";
            return null;
        }

        if (Next(context, div, "Mul", out refusal) is not { } mulWeight || !PerChannel(context, mulWeight, div, channels, shape.Length, "weight", out var weight, out refusal)) return null;
        if (Next(context, mulWeight, "Add", out refusal) is not { } addBias || !PerChannel(context, addBias, mulWeight, channels, shape.Length, "bias", out var bias, out refusal)) return null;

        var consumed = new[] { sub, square, variance, addEpsilon, sqrt, div, mulWeight, addBias };
        foreach (var node in consumed.Where(n => n.OpType != "ReduceMean")) _ = new NodeAttributes(node);
        refusal = "";
        return new PatternMatch(input, channelsLast, channels, NodeAttributes.Decimal((float)epsilonValue.ToDoubles()[0]), weight, bias, consumed);
    }

    /// <summary>Whether <paramref name="node"/> averages over the last axis only, keeping it (the pattern's two means).</summary>
    private static bool MeansOverLastAxis(ImportContext context, NodeProto node, int rank, out string refusal)
    {
        var a = ReduceMeanConverter.Attributes(node);
        var axes = ReduceMeanConverter.NamedAxes(context, node, a, rank);
        var keepDims = a.Int("keepdims", 1);
        refusal = axes.SequenceEqual([rank - 1]) && keepDims == 1
            ? ""
            : $"'{node.Name}' (ReduceMean) averages over axes [{string.Join(", ", axes)}] of {rank} with keepdims {keepDims}; " +
              $"the pattern averages over the last axis only ({rank - 1}), keeping it";
        return refusal.Length == 0;
    }

    /// <summary>The only reader of <paramref name="node"/>'s result when it is a <paramref name="opType"/>, else null with why.</summary>
    private static NodeProto? Next(ImportContext context, NodeProto node, string opType, out string refusal)
    {
        var value = node.Output[0];
        var next = OnlyConsumer(context, value, opType);
        refusal = next is null ? $"'{node.Name}' ({node.OpType}) is read by {Readers(context, value)}; the pattern's next node is a {opType}, its only reader" : "";
        return next;
    }

    /// <summary>
    /// Whether <paramref name="node"/> combines <paramref name="previous"/>'s result with a float constant of one value
    /// per channel (shape [C], or ones before it: it must broadcast over the last axis only).
    /// </summary>
    private static bool PerChannel(ImportContext context, NodeProto node, NodeProto previous, long channels, int rank, string role,
        out ConstantValue value, out string refusal)
    {
        var name = Other(node, previous.Output[0]);
        value = null!;
        if (name is not null && TryConstant(context, name, out value) && value.IsFloat && value.Rank is >= 1 && value.Rank <= rank
            && value.Shape[^1] == channels && value.Shape[..^1].All(d => d == 1))
        {
            refusal = "";
            return true;
        }

        refusal = $"'{node.Name}' ({node.OpType}) takes {(name is null ? "a third operand" : Describe(context, name))} as the {role}; " +
                  $"the pattern's {role} is a float constant of shape [{channels}] (one value per channel)";
        return false;
    }

    /// <summary>"the constant 3", "a constant of shape [4, 1]", or "'name', computed from the input".</summary>
    private static string Describe(ImportContext context, string name)
    {
        if (!TryConstant(context, name, out var value)) return $"'{name}', which is not a constant";
        return value.Count == 1 ? $"the constant {value.ToDoubles()[0].ToString(System.Globalization.CultureInfo.InvariantCulture)}" : $"a constant of shape {Shapes.Format(value.Shape)}";
    }

    private static string Readers(ImportContext context, string value)
    {
        var readers = context.Consumers(value).Select(r => $"'{r.Name}' ({r.OpType})").ToList();
        if (context.IsGraphOutput(value)) readers.Add("the graph output");
        return readers.Count == 0 ? "nothing" : string.Join(", ", readers);
    }
}
