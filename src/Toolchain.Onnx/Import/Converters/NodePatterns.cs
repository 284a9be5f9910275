using Onnx;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>
/// What the converters that read a decomposed op back as one node (GELU, LayerNorm below opset 17) ask of the ONNX
/// graph: who alone reads a value, a binary node's other operand, and constants that may come from a Constant node
/// later in the file.
/// </summary>
internal static class NodePatterns
{
    private const double ConstantTolerance = 1e-6;

    /// <summary>The one node that reads <paramref name="value"/> when it is a default-domain <paramref name="opType"/>
    /// with one output and <paramref name="value"/> is not a graph output; otherwise null.</summary>
    public static NodeProto? OnlyConsumer(ImportContext context, string value, string opType)
    {
        if (context.IsGraphOutput(value)) return null;
        var consumers = context.Consumers(value);
        return consumers.Count == 1 && IsDefaultDomain(consumers[0], opType) ? consumers[0] : null;
    }

    /// <summary>Whether <paramref name="node"/> is a default-domain <paramref name="opType"/> with one output.</summary>
    public static bool IsDefaultDomain(NodeProto node, string opType) =>
        node.OpType == opType && node.Domain is "" or "ai.onnx" && node.Output.Count == 1;

    /// <summary>The operand of a two-input <paramref name="node"/> that is not <paramref name="value"/>, or null.</summary>
    public static string? Other(NodeProto node, string value) =>
        node.Input.Count != 2 ? null : node.Input[0] == value ? node.Input[1] : node.Input[1] == value ? node.Input[0] : null;

    /// <summary>Whether the operand of <paramref name="node"/> other than <paramref name="value"/> is the scalar <paramref name="expected"/>.</summary>
    public static bool OtherIsScalar(ImportContext context, NodeProto node, string value, double expected) =>
        Other(node, value) is { } other && IsScalar(context, other, expected);

    /// <summary>Whether <paramref name="name"/> is a one-element float constant equal to <paramref name="expected"/>.</summary>
    public static bool IsScalar(ImportContext context, string name, double expected) =>
        TryConstant(context, name, out var value) && value.IsFloat && value.Count == 1
        && Math.Abs(value.ToDoubles()[0] - expected) <= ConstantTolerance * Math.Max(1, Math.Abs(expected));

    /// <summary>
    /// The constant <paramref name="name"/>; a Constant node later in the file (PyTorch writes a pattern's constants
    /// after the node that starts it) is converted now: it has no inputs, so nothing changes but the order.
    /// </summary>
    public static bool TryConstant(ImportContext context, string name, out ConstantValue value)
    {
        if (context.TryGetConstant(name, out value)) return true;
        if (context.Producer(name) is not { OpType: "Constant" } producer || context.IsConsumed(producer)) return false;
        ConstantConverter.Convert(context, producer);
        context.MarkConsumed(producer);
        return context.TryGetConstant(name, out value);
    }

    /// <summary>
    /// The name for the one graph node made of a pattern's ONNX nodes: PyTorch puts them all in their module's scope
    /// ("/features/…/block.4/Div"), so the node takes the module's name; otherwise the name <paramref name="last"/> gets.
    /// </summary>
    public static string PatternName(ImportContext context, NodeProto first, NodeProto last)
    {
        var scope = first.Name.Contains('/') ? NodeNaming.ModulePath(first.Name) : "";
        return scope.Length > 0 && scope == NodeNaming.ModulePath(last.Name) ? context.UniqueName(scope) : context.NodeName(last);
    }
}
