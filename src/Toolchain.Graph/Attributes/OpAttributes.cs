namespace Toolchain.Graph;

/// <summary>
/// The typed, immutable attributes of a node. Each op has exactly one attribute type (see
/// <see cref="OpAttributes.ExpectedType"/>); channel counts are never attributes, they come from weight shapes.
/// </summary>
public abstract record OpAttributes
{
    /// <summary>The attribute record type an op carries.</summary>
    public static Type ExpectedType(OpKind op) => op switch
    {
        OpKind.Conv => typeof(ConvAttributes),
        OpKind.BatchNorm => typeof(BatchNormAttributes),
        OpKind.Clip => typeof(ClipAttributes),
        OpKind.Concat => typeof(ConcatAttributes),
        OpKind.Split => typeof(SplitAttributes),
        OpKind.Slice => typeof(SliceAttributes),
        OpKind.MaxPool or OpKind.AveragePool => typeof(PoolAttributes),
        OpKind.Flatten => typeof(FlattenAttributes),
        OpKind.Reshape => typeof(ReshapeAttributes),
        OpKind.Transpose => typeof(TransposeAttributes),
        OpKind.Dropout => typeof(DropoutAttributes),
        OpKind.Pad => typeof(PadAttributes),
        OpKind.ReduceMean => typeof(ReduceMeanAttributes),
        OpKind.LayerNorm => typeof(LayerNormAttributes),
        OpKind.Resize => typeof(ResizeAttributes),
        OpKind.Relu or OpKind.Relu6 or OpKind.HardSwish or OpKind.HardSigmoid or OpKind.Sigmoid or OpKind.SiLU or OpKind.Gelu
            or OpKind.Add or OpKind.Mul or OpKind.GlobalAveragePool or OpKind.Gemm or OpKind.Identity => typeof(NoAttributes),
    };

    /// <summary>
    /// Why these values cannot run (a stride of 0, a dropout probability of 2), or null. Shape inference asks every
    /// node, so a graph file or import carrying them is refused when it is built, not inside a kernel later.
    /// </summary>
    public virtual string? Invalid() => null;

    /// <summary>The largest kernel, stride or dilation a window may have: far beyond any real network, small enough that no index arithmetic overflows.</summary>
    public const int MaxWindow = 1 << 16;

    private protected static string? Window(string what, (int H, int W) value, int min) =>
        value.H < min || value.W < min || value.H > MaxWindow || value.W > MaxWindow ? $"{what} {value} must lie in [{min}, {MaxWindow}]" : null;
}

/// <summary>For ops without attributes.</summary>
public sealed record NoAttributes : OpAttributes
{
    public static NoAttributes Instance { get; } = new();
}
