namespace Toolchain.Onnx;

/// <summary>How an ONNX model becomes a <see cref="Toolchain.Graph.ModelGraph"/>.</summary>
public sealed record OnnxImportOptions
{
    /// <summary>
    /// The [N, C, H, W] input shape the graph's shapes are inferred for. Null takes it from the model: a dynamic
    /// batch dimension becomes 1, any other dynamic dimension is an error that asks for this option.
    /// </summary>
    public long[]? InputShape { get; init; }
}
