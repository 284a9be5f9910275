using Toolchain.Torch.Interop;

namespace Toolchain.Torch;

/// <summary>Elementwise, reduction and linear-algebra operations; all differentiable where PyTorch's are.</summary>
public sealed partial class Tensor
{
    private Tensor Unary(UnaryOp op) => new(TorchInterop.Unary(op, Handle));

    private Tensor Binary(BinaryOp op, Tensor other) => new(TorchInterop.Binary(op, Handle, other.Handle));

    private Tensor Binary(BinaryOp op, double other) => new(TorchInterop.BinaryScalar(op, Handle, other));

    public Tensor Neg() => Unary(UnaryOp.Neg);
    public Tensor Abs() => Unary(UnaryOp.Abs);
    public Tensor Exp() => Unary(UnaryOp.Exp);
    public Tensor Log() => Unary(UnaryOp.Log);
    public Tensor Sqrt() => Unary(UnaryOp.Sqrt);
    public Tensor Rsqrt() => Unary(UnaryOp.Rsqrt);
    public Tensor Sign() => Unary(UnaryOp.Sign);
    public Tensor Square() => Unary(UnaryOp.Square);
    public Tensor Reciprocal() => Unary(UnaryOp.Reciprocal);
    public Tensor LogicalNot() => Unary(UnaryOp.LogicalNot);
    public Tensor Relu() => Unary(UnaryOp.Relu);
    public Tensor Relu6() => Unary(UnaryOp.Relu6);
    public Tensor Sigmoid() => Unary(UnaryOp.Sigmoid);
    public Tensor Tanh() => Unary(UnaryOp.Tanh);
    public Tensor Silu() => Unary(UnaryOp.Silu);
    /// <summary>GELU in its exact form, x·Φ(x) = 0.5·x·(1 + erf(x/√2)) (at::gelu, approximate="none").</summary>
    public Tensor Gelu() => Unary(UnaryOp.Gelu);
    public Tensor HardSwish() => Unary(UnaryOp.HardSwish);
    public Tensor HardSigmoid() => Unary(UnaryOp.HardSigmoid);

    public Tensor Add(Tensor other) => Binary(BinaryOp.Add, other);
    public Tensor Sub(Tensor other) => Binary(BinaryOp.Sub, other);
    public Tensor Mul(Tensor other) => Binary(BinaryOp.Mul, other);
    public Tensor Div(Tensor other) => Binary(BinaryOp.Div, other);
    public Tensor Pow(Tensor exponent) => Binary(BinaryOp.Pow, exponent);
    public Tensor Pow(double exponent) => Binary(BinaryOp.Pow, exponent);
    public Tensor Maximum(Tensor other) => Binary(BinaryOp.Maximum, other);
    public Tensor Minimum(Tensor other) => Binary(BinaryOp.Minimum, other);
    public Tensor Eq(Tensor other) => Binary(BinaryOp.Eq, other);
    public Tensor Eq(double other) => Binary(BinaryOp.Eq, other);
    public Tensor Ne(double other) => Binary(BinaryOp.Ne, other);
    public Tensor Lt(double other) => Binary(BinaryOp.Lt, other);
    public Tensor Le(double other) => Binary(BinaryOp.Le, other);
    public Tensor Gt(Tensor other) => Binary(BinaryOp.Gt, other);
    public Tensor Gt(double other) => Binary(BinaryOp.Gt, other);
    public Tensor Ge(double other) => Binary(BinaryOp.Ge, other);

    /// <summary>Clamps to [min, max]; either bound may be omitted.</summary>
    public Tensor Clamp(double? min = null, double? max = null) => new(TorchInterop.Clamp(Handle, min, max));

    /// <summary>condition ? a : b, elementwise with broadcasting.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) => new(TorchInterop.Where(condition.Handle, a.Handle, b.Handle));

    public Tensor Sum(params long[] dims) => Reduce(ReduceOp.Sum, dims, keepDim: false);
    public Tensor Mean(params long[] dims) => Reduce(ReduceOp.Mean, dims, keepDim: false);
    public Tensor Sum(long[] dims, bool keepDim) => Reduce(ReduceOp.Sum, dims, keepDim);
    public Tensor Mean(long[] dims, bool keepDim) => Reduce(ReduceOp.Mean, dims, keepDim);
    public Tensor Max(long[] dims, bool keepDim = false) => Reduce(ReduceOp.AMax, dims, keepDim);
    public Tensor Min(long[] dims, bool keepDim = false) => Reduce(ReduceOp.AMin, dims, keepDim);
    public Tensor Max() => Reduce(ReduceOp.AMax, [], keepDim: false);
    public Tensor Min() => Reduce(ReduceOp.AMin, [], keepDim: false);

    private Tensor Reduce(ReduceOp op, long[] dims, bool keepDim) => new(TorchInterop.Reduce(op, Handle, dims, keepDim));

    public Tensor ArgMax(long dim, bool keepDim = false) => new(TorchInterop.ArgMax(Handle, dim, keepDim));

    /// <summary>The k largest values along <paramref name="dim"/> and their indices.</summary>
    public (Tensor Values, Tensor Indices) TopK(long k, long dim = -1)
    {
        var (values, indices) = TorchInterop.TopK(Handle, k, dim);
        return (new Tensor(values), new Tensor(indices));
    }

    /// <summary>The p-norm over <paramref name="dims"/> (all elements when none are given).</summary>
    public Tensor Norm(double p = 2, long[]? dims = null, bool keepDim = false) =>
        new(TorchInterop.Norm(Handle, p, dims ?? [], keepDim));

    public Tensor MatMul(Tensor other) => new(TorchInterop.MatMul(Handle, other.Handle));

    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    public static Tensor operator +(Tensor a, double b) => a.Binary(BinaryOp.Add, b);
    public static Tensor operator -(Tensor a, double b) => a.Binary(BinaryOp.Sub, b);
    public static Tensor operator *(Tensor a, double b) => a.Binary(BinaryOp.Mul, b);
    public static Tensor operator /(Tensor a, double b) => a.Binary(BinaryOp.Div, b);
    public static Tensor operator +(double a, Tensor b) => b.Binary(BinaryOp.Add, a);
    public static Tensor operator *(double a, Tensor b) => b.Binary(BinaryOp.Mul, a);
    public static Tensor operator -(double a, Tensor b)
    {
        using var negated = b.Neg();
        return negated.Binary(BinaryOp.Add, a);
    }

    public static Tensor operator -(Tensor a) => a.Neg();
}
