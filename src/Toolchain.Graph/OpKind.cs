namespace Toolchain.Graph;

/// <summary>
/// Every operation the IR knows. Code that branches on it uses an exhaustive switch, so adding a member makes
/// the compiler point at every place (shape inference, executor, counting, graph files) that must learn it.
/// </summary>
public enum OpKind
{
    Conv,
    BatchNorm,
    Relu,
    Relu6,
    Clip,
    HardSwish,
    HardSigmoid,
    Sigmoid,
    SiLU,
    Add,
    Mul,
    Concat,
    Split,
    Slice,
    MaxPool,
    AveragePool,
    GlobalAveragePool,
    Flatten,
    Reshape,
    Transpose,
    Gemm,
    Dropout,
    Identity,
}
