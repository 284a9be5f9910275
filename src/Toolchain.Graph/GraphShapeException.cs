namespace Toolchain.Graph;

/// <summary>Shapes that do not fit an op: names the node, the op and the shapes involved.</summary>
public sealed class GraphShapeException(string nodeName, OpKind op, string message)
    : Exception($"node '{nodeName}' ({op}): {message}")
{
    public string NodeName { get; } = nodeName;

    public OpKind Op { get; } = op;
}
