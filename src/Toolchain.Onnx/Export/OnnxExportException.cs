using Toolchain.Graph;

namespace Toolchain.Onnx;

/// <summary>A graph (or one of its nodes) that cannot be written as ONNX; names the node and op when one is to blame.</summary>
public sealed class OnnxExportException : Exception
{
    public OnnxExportException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    public OnnxExportException(string nodeName, OpKind op, string message, Exception? inner = null)
        : base($"ONNX export: node '{nodeName}' ({op}): {message}", inner)
    {
        NodeName = nodeName;
        Op = op;
    }

    /// <summary>The node that could not be exported, when the problem is one node's.</summary>
    public string? NodeName { get; }

    public OpKind? Op { get; }
}
