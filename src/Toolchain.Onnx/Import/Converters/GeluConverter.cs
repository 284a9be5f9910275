using Onnx;
using Toolchain.Graph;
using static Toolchain.Onnx.Import.Converters.NodePatterns;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>
/// GELU: the Gelu op (opset 20, <c>approximate="none"</c>) and, what PyTorch writes for <c>nn.GELU()</c> at opsets
/// 11–17, its decomposition <c>Mul(Mul(x, Add(Erf(Div(x, √2)), 1)), 0.5)</c> — recognised at its Div, the five
/// nodes becoming one <see cref="OpKind.Gelu"/>. An Erf anywhere else is refused.
/// </summary>
internal static class GeluConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "approximate");
        var approximate = a.String("approximate") ?? "none";
        if (approximate != "none") throw new NotSupportedException($"approximate='{approximate}' is not supported; only the exact form (approximate='none') is");
        context.EmitSingle(node, OpKind.Gelu, [context.Activation(node, 0)], NoAttributes.Instance);
    }

    /// <summary>An Erf outside GELU's pattern.</summary>
    public static void RefuseErf(ImportContext context, NodeProto node)
    {
        _ = new NodeAttributes(node);
        throw new NotSupportedException("Erf is supported only inside GELU as PyTorch exports it, 0.5·x·(1 + Erf(x/√2)) " +
                                        "(Div by √2, Erf, Add 1, Mul by x, Mul by 0.5, each read only by the next)");
    }

    /// <summary>
    /// When <paramref name="div"/> (x/√2) starts GELU's decomposition, emits one Gelu for the five nodes, marks the four
    /// after it converted and returns true; otherwise changes nothing and returns false.
    /// </summary>
    public static bool TryConvertPattern(ImportContext context, NodeProto div)
    {
        if (div.OpType != "Div" || div.Input.Count != 2 || !context.IsActivation(div.Input[0])) return false;
        var x = div.Input[0];
        if (!IsScalar(context, div.Input[1], Math.Sqrt(2))) return false;
        if (OnlyConsumer(context, div.Output[0], "Erf") is not { } erf) return false;
        if (OnlyConsumer(context, erf.Output[0], "Add") is not { } add || !OtherIsScalar(context, add, erf.Output[0], 1)) return false;
        if (OnlyConsumer(context, add.Output[0], "Mul") is not { } mul || Other(mul, add.Output[0]) != x) return false;
        if (OnlyConsumer(context, mul.Output[0], "Mul") is not { } half || !OtherIsScalar(context, half, mul.Output[0], 0.5)) return false;
        foreach (var n in new[] { erf, add, mul, half })
        {
            _ = new NodeAttributes(n);
            context.MarkConsumed(n);
        }

        var name = PatternName(context, div, half);
        if (context.TryGetChannelsLast(x, out var nchw))
        {
            // Elementwise: on the NCHW value, the result again channels-last.
            context.DefineChannelsLast(half.Output[0], context.Emit(name, OpKind.Gelu, [nchw], NoAttributes.Instance)[0], $"{name}.nhwc");
            return true;
        }

        var outputs = context.Emit(name, OpKind.Gelu, [context.Activation(div, 0)], NoAttributes.Instance);
        context.DefineActivation(half.Output[0], outputs[0]);
        return true;
    }
}
