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
        OpKind.Relu or OpKind.Relu6 or OpKind.HardSwish or OpKind.HardSigmoid or OpKind.Sigmoid or OpKind.SiLU
            or OpKind.Add or OpKind.Mul or OpKind.GlobalAveragePool or OpKind.Gemm or OpKind.Identity => typeof(NoAttributes),
    };
}

/// <summary>For ops without attributes.</summary>
public sealed record NoAttributes : OpAttributes
{
    public static NoAttributes Instance { get; } = new();
}
