namespace Toolchain.Onnx;

/// <summary>
/// An ONNX model that cannot be imported. The message names the source file and, when one node is to blame, the
/// node (its name and op type) and what to do about it.
/// </summary>
public sealed class OnnxImportException : Exception
{
    public OnnxImportException(string message, string? nodeName = null, string? opType = null, Exception? innerException = null)
        : base(message, innerException)
    {
        NodeName = nodeName;
        OpType = opType;
    }

    /// <summary>The ONNX node that could not be imported, or null for a problem with the model as a whole.</summary>
    public string? NodeName { get; }

    /// <summary>The op type of that node, or null.</summary>
    public string? OpType { get; }

    /// <summary>True when the graph input's size is not fixed in the file and an explicit input shape would import it.</summary>
    public bool NeedsInputShape { get; init; }
}
