using Toolchain.Torch.Interop;

namespace Toolchain.Torch;

/// <summary>
/// A libtorch tensor. Owns one native reference: dispose it, or create it inside a <see cref="DisposeScope"/>
/// that disposes it (a finalizer is the last resort, not the plan). Operations return new tensors; methods whose
/// names end in an underscore modify this tensor in place, as in PyTorch.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private readonly TensorHandle _handle;
    private long[]? _shape;

    internal Tensor(TensorHandle handle)
    {
        _handle = handle;
        DisposeScope.Current?.Adopt(this);
    }

    /// <summary>The scope that will dispose this tensor, or null when the caller owns it.</summary>
    internal DisposeScope? Scope { get; set; }

    internal TensorHandle Handle => _handle.IsClosed
        ? throw new ObjectDisposedException(nameof(Tensor),
            "This tensor was disposed (by Dispose() or by the DisposeScope it was created in) and cannot be used. " +
            "Keep it alive with DisposeScope.Keep(tensor) or Tensor.DetachFromScope().")
        : _handle;

    public bool IsDisposed => _handle.IsClosed;

    /// <summary>Sizes of each dimension (a copy).</summary>
    public long[] Shape => (long[])CachedShape.Clone();

    private long[] CachedShape => _shape ??= TorchInterop.Shape(Handle);

    public int NDim => CachedShape.Length;

    public long Size(int dim) => CachedShape[dim < 0 ? dim + CachedShape.Length : dim];

    public long NumElements
    {
        get
        {
            long n = 1;
            foreach (var d in CachedShape) n *= d;
            return n;
        }
    }

    public DType DType => TorchInterop.DTypeOf(Handle);

    public Device Device => TorchInterop.DeviceOf(Handle);

    public bool RequiresGrad
    {
        get => TorchInterop.RequiresGrad(Handle);
        set => TorchInterop.SetRequiresGrad(Handle, value);
    }

    public bool IsLeaf => TorchInterop.IsLeaf(Handle);

    public void Dispose() => _handle.Dispose();

    /// <summary>Takes this tensor out of its dispose scope: the caller now owns it.</summary>
    public Tensor DetachFromScope()
    {
        Scope?.Release(this);
        Scope = null;
        return this;
    }

    public override string ToString() => IsDisposed ? "Tensor(disposed)" : $"Tensor({TorchInterop.Describe(_handle)} {Device})";

    // ---- creation ----------------------------------------------------------------------------------------

    public static Tensor Zeros(long[] shape, DType dtype = DType.Float32, Device? device = null) => Full(shape, 0, dtype, device);

    public static Tensor Ones(long[] shape, DType dtype = DType.Float32, Device? device = null) => Full(shape, 1, dtype, device);

    public static Tensor Full(long[] shape, double value, DType dtype = DType.Float32, Device? device = null) =>
        new(TorchInterop.Full(shape, value, dtype, device ?? Device.Cpu));

    public static Tensor Scalar(double value, DType dtype = DType.Float32) => Full([], value, dtype);

    // The random draws take a generator of their own (<see cref="Generator"/>), or, when it is null, libtorch's global
    // one (<see cref="Libtorch.ManualSeed"/>), which every other draw of the process shares.

    /// <summary>Uniform in [low, high).</summary>
    public static Tensor Rand(long[] shape, double low = 0, double high = 1, DType dtype = DType.Float32, Device? device = null, Generator? generator = null) =>
        new(TorchInterop.Random(shape, 0, low, high, dtype, device ?? Device.Cpu, GeneratorOf(generator)));

    /// <summary>Normal(mean, std).</summary>
    public static Tensor RandN(long[] shape, double mean = 0, double std = 1, DType dtype = DType.Float32, Device? device = null, Generator? generator = null) =>
        new(TorchInterop.Random(shape, 1, mean, std, dtype, device ?? Device.Cpu, GeneratorOf(generator)));

    /// <summary>Int64 uniform in [low, high).</summary>
    public static Tensor RandInt(long[] shape, long low, long high, Device? device = null, Generator? generator = null) =>
        new(TorchInterop.RandInt(shape, low, high, device ?? Device.Cpu, GeneratorOf(generator)));

    public static Tensor RandPerm(long n, Device? device = null, Generator? generator = null) =>
        new(TorchInterop.RandPerm(n, device ?? Device.Cpu, GeneratorOf(generator)));

    private static GeneratorHandle GeneratorOf(Generator? generator) => generator?.Handle ?? GeneratorHandle.Global;

    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Int64, Device? device = null) =>
        new(TorchInterop.Arange(start, end, step, dtype, device ?? Device.Cpu));

    /// <summary>Copies <paramref name="data"/> into a new CPU tensor; the shape defaults to one dimension.</summary>
    public static unsafe Tensor FromArray<T>(T[] data, params long[] shape) where T : unmanaged => FromSpan<T>(data, shape);

    public static unsafe Tensor FromSpan<T>(ReadOnlySpan<T> data, params long[] shape) where T : unmanaged
    {
        var dtype = DTypeOf<T>();
        if (shape.Length == 0) shape = [data.Length];
        fixed (T* p = data)
        {
            return new Tensor(TorchInterop.FromBlob(p, (long)data.Length * sizeof(T), shape, dtype));
        }
    }

    /// <summary>Copies the elements, row-major, into a new array; T must match <see cref="DType"/>.</summary>
    public unsafe T[] ToArray<T>() where T : unmanaged
    {
        CheckElementType<T>("ToArray");
        var result = new T[NumElements];
        fixed (T* p = result)
        {
            TorchInterop.CopyToHost(Handle, p, (long)result.Length * sizeof(T));
        }

        return result;
    }

    /// <summary>Copies the elements into <paramref name="destination"/>, whose length must equal <see cref="NumElements"/>.</summary>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        CheckElementType<T>("CopyTo");
        fixed (T* p = destination)
        {
            TorchInterop.CopyToHost(Handle, p, (long)destination.Length * sizeof(T));
        }
    }

    /// <summary>Copies the raw little-endian element bytes (any dtype), row-major.</summary>
    internal unsafe void CopyRawTo(Span<byte> destination)
    {
        fixed (byte* p = destination)
        {
            TorchInterop.CopyToHost(Handle, p, destination.Length);
        }
    }

    /// <summary>A new CPU tensor from raw little-endian element bytes.</summary>
    internal static unsafe Tensor FromRaw(ReadOnlySpan<byte> data, long[] shape, DType dtype)
    {
        fixed (byte* p = data)
        {
            return new Tensor(TorchInterop.FromBlob(p, data.Length, shape, dtype));
        }
    }

    /// <summary>The value of a one-element tensor.</summary>
    public double Item() => TorchInterop.Item(Handle);

    internal static DType DTypeOf<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? DType.Float32
        : typeof(T) == typeof(long) ? DType.Int64
        : typeof(T) == typeof(bool) ? DType.Bool
        : typeof(T) == typeof(double) ? DType.Float64
        : throw new ArgumentException($"Element type {typeof(T).Name} has no tensor dtype; use float, double, long or bool.");

    private void CheckElementType<T>(string op) where T : unmanaged
    {
        var wanted = DTypeOf<T>();
        if (wanted != DType)
        {
            throw new TorchException(op, $"{op}<{typeof(T).Name}> on a {DType.Name()} tensor {TorchInterop.Describe(Handle)}; " +
                $"convert first with .To({wanted}) or read it as the matching element type.");
        }
    }

    // ---- layout and copies -------------------------------------------------------------------------------

    public Tensor Reshape(params long[] shape) => new(TorchInterop.Reshape(Handle, shape));

    public Tensor View(params long[] shape) => new(TorchInterop.View(Handle, shape));

    public Tensor Expand(params long[] shape) => new(TorchInterop.Expand(Handle, shape));

    public Tensor Permute(params long[] dims) => new(TorchInterop.Permute(Handle, dims));

    public Tensor Transpose(long dim0, long dim1) => new(TorchInterop.Transpose(Handle, dim0, dim1));

    public Tensor Flatten(long startDim = 0, long endDim = -1) => new(TorchInterop.Flatten(Handle, startDim, endDim));

    public Tensor Squeeze(long dim) => new(TorchInterop.Squeeze(Handle, dim));

    public Tensor Unsqueeze(long dim) => new(TorchInterop.Unsqueeze(Handle, dim));

    /// <summary>Elements start, start+step, … before end along <paramref name="dim"/> (a view).</summary>
    public Tensor Slice(long dim, long start, long end, long step = 1) => new(TorchInterop.Slice(Handle, dim, start, end, step));

    public Tensor IndexSelect(long dim, Tensor index) => new(TorchInterop.IndexSelect(Handle, dim, index.Handle));

    public Tensor Contiguous() => new(TorchInterop.Contiguous(Handle));

    /// <summary>
    /// The same values stored channels-last (NHWC) in memory; shape and indexing are unchanged. oneDNN's CPU
    /// convolutions run NHWC without reordering in and out of their blocked layout. Needs a 4-d tensor.
    /// </summary>
    public Tensor ContiguousChannelsLast() => new(TorchInterop.ContiguousChannelsLast(Handle));

    public Tensor Clone() => new(TorchInterop.Clone(Handle));

    /// <summary>The same data, cut from the autograd graph.</summary>
    public Tensor Detach() => new(TorchInterop.Detach(Handle));

    /// <summary>A second owner of the very same tensor (same storage, same autograd identity).</summary>
    public Tensor Alias() => new(TorchInterop.Alias(Handle));

    public Tensor To(DType dtype) => new(TorchInterop.To(Handle, dtype, Device));

    public Tensor To(Device device) => new(TorchInterop.To(Handle, DType, device));

    public static Tensor Cat(IReadOnlyList<Tensor> tensors, long dim = 0) =>
        new(TorchInterop.Cat(tensors.Select(t => t.Handle).ToArray(), dim));

    public static Tensor Stack(IReadOnlyList<Tensor> tensors, long dim = 0) =>
        new(TorchInterop.Stack(tensors.Select(t => t.Handle).ToArray(), dim));

    // ---- autograd ----------------------------------------------------------------------------------------

    /// <summary>Accumulates d(this)/d(leaf) into every leaf's <see cref="Grad"/>.</summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) =>
        TorchInterop.Backward(Handle, gradient?.Handle, retainGraph);

    /// <summary>The accumulated gradient (a new owner of it), or null before any backward pass.</summary>
    public Tensor? Grad
    {
        get
        {
            var grad = TorchInterop.Grad(Handle);
            return grad is null ? null : new Tensor(grad);
        }
        set => TorchInterop.SetGrad(Handle, value?.Handle);
    }

    // ---- in-place updates (never recorded by autograd) ---------------------------------------------------

    /// <summary>this += alpha · other</summary>
    public Tensor Add_(Tensor other, double alpha = 1)
    {
        TorchInterop.InPlace(InPlaceOp.Add, Handle, other.Handle, null, alpha);
        return this;
    }

    /// <summary>this *= other (broadcast)</summary>
    public Tensor Mul_(Tensor other)
    {
        TorchInterop.InPlace(InPlaceOp.Mul, Handle, other.Handle, null, 1);
        return this;
    }

    /// <summary>this *= factor</summary>
    public Tensor Mul_(double factor)
    {
        TorchInterop.InPlaceScale(Handle, factor);
        return this;
    }

    /// <summary>this = other (broadcast, converting dtype/device)</summary>
    public Tensor Copy_(Tensor other)
    {
        TorchInterop.InPlace(InPlaceOp.Copy, Handle, other.Handle, null, 1);
        return this;
    }

    /// <summary>this += alpha · a · b</summary>
    public Tensor AddCMul_(Tensor a, Tensor b, double alpha = 1)
    {
        TorchInterop.InPlace(InPlaceOp.AddCMul, Handle, a.Handle, b.Handle, alpha);
        return this;
    }

    /// <summary>this += alpha · a / b</summary>
    public Tensor AddCDiv_(Tensor a, Tensor b, double alpha = 1)
    {
        TorchInterop.InPlace(InPlaceOp.AddCDiv, Handle, a.Handle, b.Handle, alpha);
        return this;
    }

    /// <summary>this += weight · (end − this)</summary>
    public Tensor Lerp_(Tensor end, double weight)
    {
        TorchInterop.InPlace(InPlaceOp.Lerp, Handle, end.Handle, null, weight);
        return this;
    }

    public Tensor Fill_(double value)
    {
        TorchInterop.InPlaceFill(Handle, value);
        return this;
    }

    public Tensor Zero_() => Fill_(0);

    // ---- in-place graph ops (recorded by autograd) --------------------------------------------------------

    /// <summary>
    /// this = relu(this), recorded by autograd. Only for a value nothing else reads afterwards and whose producer's
    /// backward does not need it (conv, batch norm, add, linear): autograd rejects the rest at backward time.
    /// </summary>
    public Tensor ReluInPlace()
    {
        TorchInterop.ReluRecorded(Handle);
        return this;
    }

    /// <summary>this += other (same shape), recorded by autograd; the same caveats as <see cref="ReluInPlace"/>.</summary>
    public Tensor AddInPlace(Tensor other)
    {
        TorchInterop.AddRecorded(Handle, other.Handle);
        return this;
    }
}
