namespace Toolchain.Graph;

/// <summary>
/// Every operation the IR knows. Code that must handle every op branches on it with a switch expression that names
/// each member and has no default arm; CS8509 is an error (Directory.Build.props), so adding a member makes the
/// compiler point at every place that must learn it. README.md in this project lists those places in order.
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
    /// <summary>GELU, exact form x·Φ(x) = 0.5·x·(1 + erf(x/√2)) (PyTorch's nn.GELU(); ONNX writes it as Div, Erf, Add, Mul, Mul before opset 20).</summary>
    Gelu,
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
    Pad,
    ReduceMean,
    /// <summary>LayerNorm over the channel dimension at each position, weight and bias per channel (ConvNeXt).</summary>
    LayerNorm,
    /// <summary>Nearest or bilinear resizing of H and W to a size or by scale factors (F.interpolate; ONNX Resize), per channel.</summary>
    Resize,
}
