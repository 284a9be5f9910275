using System.Runtime.InteropServices;
using System.Text;

namespace Toolchain.Torch.Interop;

/// <summary>
/// The P/Invoke surface of the shim (<c>src/Native/include/toolchain_native.h</c>). Declarations are private;
/// each has one wrapper that checks the returned status and turns it into a <see cref="TorchException"/>.
/// </summary>
internal static unsafe partial class TorchInterop
{
    private const string Lib = NativeLibraryLoader.LibraryName;
    private const int MaxDims = 16;

    static TorchInterop()
    {
        NativeLibraryLoader.Register();
        Check(tc_configure_allocator(), "configure_allocator");
        // Large CPU tensors come from the shim's caching allocator unless the user opts out (see CpuCache).
        Check(tc_cpu_cache_enable(Environment.GetEnvironmentVariable("TOOLCHAIN_CPU_CACHE") == "off" ? 0 : 1), "cpu_cache_enable");
        // libtorch defaults to one intra-op thread on small machines; deployment and training use all cores.
        Check(tc_set_num_threads(Environment.ProcessorCount), "set_num_threads");
    }

    // ---- errors and runtime ------------------------------------------------------------------------------

    [LibraryImport(Lib)] private static partial nint tc_error_message(nint error);
    [LibraryImport(Lib)] private static partial void tc_error_free(nint error);
    [LibraryImport(Lib)] private static partial nint tc_set_num_threads(int threads);
    [LibraryImport(Lib)] private static partial nint tc_configure_allocator();
    [LibraryImport(Lib)] private static partial int tc_get_num_threads();
    [LibraryImport(Lib)] private static partial nint tc_cpu_cache_enable(int enabled);
    [LibraryImport(Lib)] private static partial int tc_cpu_cache_enabled();
    [LibraryImport(Lib)] private static partial nint tc_cpu_cache_configure(long capBytes, long idleMilliseconds);
    [LibraryImport(Lib)] private static partial nint tc_cpu_cache_stats(out long cachedBytes, out long liveBytes, out long capBytes, out long idleMilliseconds);
    [LibraryImport(Lib)] private static partial nint tc_cpu_cache_release();
    [LibraryImport(Lib)] private static partial long tc_live_tensor_count();
    [LibraryImport(Lib)] private static partial int tc_cuda_device_count();
    [LibraryImport(Lib)] private static partial nint tc_manual_seed(ulong seed);
    [LibraryImport(Lib)] private static partial nint tc_set_grad_enabled(int enabled, out int previous);
    [LibraryImport(Lib)] private static partial int tc_is_grad_enabled();
    [LibraryImport(Lib)] private static partial nint tc_torch_version(byte* buffer, int capacity);
    [LibraryImport(Lib)] private static partial nint tc_debug_raise(int kind);

    public static void SetNumThreads(int threads) => Check(tc_set_num_threads(threads), "set_num_threads");
    public static int GetNumThreads() => tc_get_num_threads();
    public static void CpuCacheEnable(bool enabled) => Check(tc_cpu_cache_enable(enabled ? 1 : 0), "cpu_cache_enable");
    public static bool CpuCacheEnabled() => tc_cpu_cache_enabled() != 0;
    public static void CpuCacheConfigure(long capBytes, long idleMilliseconds) => Check(tc_cpu_cache_configure(capBytes, idleMilliseconds), "cpu_cache_configure");
    public static void CpuCacheRelease() => Check(tc_cpu_cache_release(), "cpu_cache_release");

    public static (long Cached, long Live, long Cap, long IdleMilliseconds) CpuCacheStats()
    {
        Check(tc_cpu_cache_stats(out var cached, out var live, out var cap, out var idle), "cpu_cache_stats");
        return (cached, live, cap, idle);
    }
    public static long LiveTensorCount() => tc_live_tensor_count();
    public static int CudaDeviceCount() => tc_cuda_device_count();
    public static void ManualSeed(ulong seed) => Check(tc_manual_seed(seed), "manual_seed");
    public static bool IsGradEnabled() => tc_is_grad_enabled() != 0;

    public static bool SetGradEnabled(bool enabled)
    {
        Check(tc_set_grad_enabled(enabled ? 1 : 0, out var previous), "set_grad_enabled");
        return previous != 0;
    }

    public static string TorchVersion()
    {
        var buffer = stackalloc byte[64];
        Check(tc_torch_version(buffer, 64), "torch_version");
        return Marshal.PtrToStringUTF8((nint)buffer) ?? "";
    }

    public static void DebugRaise(int kind) => Check(tc_debug_raise(kind), "debug_raise");

    // ---- tensor lifetime and metadata ----------------------------------------------------------------------

    [LibraryImport(Lib)] private static partial void tc_tensor_free(nint tensor);
    [LibraryImport(Lib)] private static partial int tc_tensor_ndim(TensorHandle tensor);
    [LibraryImport(Lib)] private static partial nint tc_tensor_shape(TensorHandle tensor, long* shape, int capacity);
    [LibraryImport(Lib)] private static partial int tc_tensor_dtype(TensorHandle tensor);
    [LibraryImport(Lib)] private static partial int tc_tensor_device_kind(TensorHandle tensor);
    [LibraryImport(Lib)] private static partial int tc_tensor_device_index(TensorHandle tensor);
    [LibraryImport(Lib)] private static partial int tc_tensor_requires_grad(TensorHandle tensor);
    [LibraryImport(Lib)] private static partial int tc_tensor_is_leaf(TensorHandle tensor);
    [LibraryImport(Lib)] private static partial nint tc_tensor_set_requires_grad(TensorHandle tensor, int value);

    /// <summary>Called only by <see cref="TensorHandle.ReleaseHandle"/>.</summary>
    public static void FreeTensor(nint tensor) => tc_tensor_free(tensor);

    public static long[] Shape(TensorHandle t)
    {
        var ndim = tc_tensor_ndim(t);
        var shape = new long[ndim];
        fixed (long* p = shape)
        {
            Check(tc_tensor_shape(t, p, ndim), "shape");
        }

        return shape;
    }

    public static DType DTypeOf(TensorHandle t) => (DType)tc_tensor_dtype(t);
    public static Device DeviceOf(TensorHandle t) => new((DeviceKind)tc_tensor_device_kind(t), tc_tensor_device_index(t));
    public static bool RequiresGrad(TensorHandle t) => tc_tensor_requires_grad(t) != 0;
    public static bool IsLeaf(TensorHandle t) => tc_tensor_is_leaf(t) != 0;

    public static void SetRequiresGrad(TensorHandle t, bool value) =>
        Check(tc_tensor_set_requires_grad(t, value ? 1 : 0), "set_requires_grad", t);

    // ---- creation and host data ----------------------------------------------------------------------------

    [LibraryImport(Lib)] private static partial nint tc_from_blob(void* data, long bytes, long* shape, int ndim, int dtype, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_copy_to_host(TensorHandle tensor, void* data, long bytes);
    [LibraryImport(Lib)] private static partial nint tc_full(long* shape, int ndim, double value, int dtype, int kind, int index, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_generator_new(ulong seed, out GeneratorHandle result);
    [LibraryImport(Lib)] private static partial void tc_generator_free(nint generator);
    [LibraryImport(Lib)] private static partial nint tc_random(long* shape, int ndim, int kind, double a, double b, int dtype, int deviceKind, int deviceIndex, GeneratorHandle generator, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_randint(long* shape, int ndim, long low, long high, int kind, int index, GeneratorHandle generator, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_randperm(long n, int kind, int index, GeneratorHandle generator, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_arange(double start, double end, double step, int dtype, int kind, int index, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_item(TensorHandle tensor, out double value);

    public static TensorHandle FromBlob(void* data, long bytes, ReadOnlySpan<long> shape, DType dtype)
    {
        fixed (long* s = shape)
        {
            Check(tc_from_blob(data, bytes, s, shape.Length, (int)dtype, out var result), "from_blob");
            return result;
        }
    }

    public static void CopyToHost(TensorHandle t, void* data, long bytes) => Check(tc_copy_to_host(t, data, bytes), "copy_to_host", t);

    public static TensorHandle Full(ReadOnlySpan<long> shape, double value, DType dtype, Device device)
    {
        fixed (long* s = shape)
        {
            Check(tc_full(s, shape.Length, value, (int)dtype, (int)device.Kind, device.Index, out var result), "full");
            return result;
        }
    }

    public static GeneratorHandle NewGenerator(ulong seed)
    {
        Check(tc_generator_new(seed, out var result), "generator_new");
        return result;
    }

    /// <summary>Called only by <see cref="GeneratorHandle.ReleaseHandle"/>.</summary>
    public static void FreeGenerator(nint generator) => tc_generator_free(generator);

    public static TensorHandle Random(ReadOnlySpan<long> shape, int distribution, double a, double b, DType dtype, Device device, GeneratorHandle generator)
    {
        fixed (long* s = shape)
        {
            Check(tc_random(s, shape.Length, distribution, a, b, (int)dtype, (int)device.Kind, device.Index, generator, out var result), "random");
            return result;
        }
    }

    public static TensorHandle RandInt(ReadOnlySpan<long> shape, long low, long high, Device device, GeneratorHandle generator)
    {
        fixed (long* s = shape)
        {
            Check(tc_randint(s, shape.Length, low, high, (int)device.Kind, device.Index, generator, out var result), "randint");
            return result;
        }
    }

    public static TensorHandle RandPerm(long n, Device device, GeneratorHandle generator)
    {
        Check(tc_randperm(n, (int)device.Kind, device.Index, generator, out var result), "randperm");
        return result;
    }

    public static TensorHandle Arange(double start, double end, double step, DType dtype, Device device)
    {
        Check(tc_arange(start, end, step, (int)dtype, (int)device.Kind, device.Index, out var result), "arange");
        return result;
    }

    public static double Item(TensorHandle t)
    {
        Check(tc_item(t, out var value), "item", t);
        return value;
    }

    // ---- shape and layout ----------------------------------------------------------------------------------

    [LibraryImport(Lib)] private static partial nint tc_reshape(TensorHandle x, long* shape, int ndim, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_view(TensorHandle x, long* shape, int ndim, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_expand(TensorHandle x, long* shape, int ndim, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_permute(TensorHandle x, long* dims, int ndim, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_transpose(TensorHandle x, long dim0, long dim1, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_flatten(TensorHandle x, long start, long end, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_squeeze(TensorHandle x, long dim, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_unsqueeze(TensorHandle x, long dim, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_slice(TensorHandle x, long dim, long start, long end, long step, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_index_select(TensorHandle x, long dim, TensorHandle index, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_cat(nint* tensors, int count, long dim, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_stack(nint* tensors, int count, long dim, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_contiguous(TensorHandle x, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_contiguous_channels_last(TensorHandle x, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_clone(TensorHandle x, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_detach(TensorHandle x, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_alias(TensorHandle x, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_to(TensorHandle x, int dtype, int kind, int index, out TensorHandle result);

    public static TensorHandle Reshape(TensorHandle x, ReadOnlySpan<long> shape)
    {
        fixed (long* s = shape)
        {
            Check(tc_reshape(x, s, shape.Length, out var result), "reshape", x, hint: $"target shape [{string.Join(", ", shape.ToArray())}]");
            return result;
        }
    }

    public static TensorHandle View(TensorHandle x, ReadOnlySpan<long> shape)
    {
        fixed (long* s = shape)
        {
            Check(tc_view(x, s, shape.Length, out var result), "view", x, hint: $"target shape [{string.Join(", ", shape.ToArray())}]");
            return result;
        }
    }

    public static TensorHandle Expand(TensorHandle x, ReadOnlySpan<long> shape)
    {
        fixed (long* s = shape)
        {
            Check(tc_expand(x, s, shape.Length, out var result), "expand", x, hint: $"target shape [{string.Join(", ", shape.ToArray())}]");
            return result;
        }
    }

    public static TensorHandle Permute(TensorHandle x, ReadOnlySpan<long> dims)
    {
        fixed (long* d = dims)
        {
            Check(tc_permute(x, d, dims.Length, out var result), "permute", x);
            return result;
        }
    }

    public static TensorHandle Transpose(TensorHandle x, long dim0, long dim1)
    {
        Check(tc_transpose(x, dim0, dim1, out var result), "transpose", x);
        return result;
    }

    public static TensorHandle Flatten(TensorHandle x, long start, long end)
    {
        Check(tc_flatten(x, start, end, out var result), "flatten", x);
        return result;
    }

    public static TensorHandle Squeeze(TensorHandle x, long dim)
    {
        Check(tc_squeeze(x, dim, out var result), "squeeze", x);
        return result;
    }

    public static TensorHandle Unsqueeze(TensorHandle x, long dim)
    {
        Check(tc_unsqueeze(x, dim, out var result), "unsqueeze", x);
        return result;
    }

    public static TensorHandle Slice(TensorHandle x, long dim, long start, long end, long step)
    {
        Check(tc_slice(x, dim, start, end, step, out var result), "slice", x);
        return result;
    }

    public static TensorHandle IndexSelect(TensorHandle x, long dim, TensorHandle index)
    {
        Check(tc_index_select(x, dim, index, out var result), "index_select", x, index);
        return result;
    }

    public static TensorHandle Cat(ReadOnlySpan<TensorHandle> tensors, long dim) => Join(tensors, dim, stack: false);

    public static TensorHandle Stack(ReadOnlySpan<TensorHandle> tensors, long dim) => Join(tensors, dim, stack: true);

    private static TensorHandle Join(ReadOnlySpan<TensorHandle> tensors, long dim, bool stack)
    {
        // Raw pointers cross as an array; hold a reference on each handle so none is freed mid-call.
        var raw = new nint[tensors.Length];
        var added = 0;
        try
        {
            for (; added < tensors.Length; added++)
            {
                var ok = false;
                tensors[added].DangerousAddRef(ref ok);
                raw[added] = tensors[added].DangerousGetHandle();
            }

            fixed (nint* p = raw)
            {
                var op = stack ? "stack" : "cat";
                TensorHandle result;
                var error = stack ? tc_stack(p, raw.Length, dim, out result) : tc_cat(p, raw.Length, dim, out result);
                if (error != 0)
                {
                    var shapes = string.Join(", ", tensors.ToArray().Select(Describe));
                    Check(error, op, hint: $"inputs: {shapes}; dim {dim}");
                }

                return result;
            }
        }
        finally
        {
            for (var i = 0; i < added; i++) tensors[i].DangerousRelease();
        }
    }

    public static TensorHandle Contiguous(TensorHandle x)
    {
        Check(tc_contiguous(x, out var result), "contiguous", x);
        return result;
    }

    public static TensorHandle ContiguousChannelsLast(TensorHandle x)
    {
        Check(tc_contiguous_channels_last(x, out var result), "contiguous_channels_last", x);
        return result;
    }

    public static TensorHandle Clone(TensorHandle x)
    {
        Check(tc_clone(x, out var result), "clone", x);
        return result;
    }

    public static TensorHandle Detach(TensorHandle x)
    {
        Check(tc_detach(x, out var result), "detach", x);
        return result;
    }

    public static TensorHandle Alias(TensorHandle x)
    {
        Check(tc_alias(x, out var result), "alias", x);
        return result;
    }

    public static TensorHandle To(TensorHandle x, DType dtype, Device device)
    {
        Check(tc_to(x, (int)dtype, (int)device.Kind, device.Index, out var result), "to", x, hint: $"target {dtype.Name()} on {device}");
        return result;
    }

    // ---- elementwise, reductions, linear algebra -----------------------------------------------------------

    [LibraryImport(Lib)] private static partial nint tc_unary(int op, TensorHandle x, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_binary(int op, TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_binary_scalar(int op, TensorHandle a, double b, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_clamp(TensorHandle x, double min, double max, int hasMin, int hasMax, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_where(TensorHandle condition, TensorHandle a, TensorHandle b, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_reduce(int op, TensorHandle x, long* dims, int ndims, int keepdim, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_argmax(TensorHandle x, long dim, int keepdim, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_topk(TensorHandle x, long k, long dim, out TensorHandle values, out TensorHandle indices);
    [LibraryImport(Lib)] private static partial nint tc_norm(TensorHandle x, double p, long* dims, int ndims, int keepdim, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_matmul(TensorHandle a, TensorHandle b, out TensorHandle result);

    public static TensorHandle Unary(UnaryOp op, TensorHandle x)
    {
        Check(tc_unary((int)op, x, out var result), op.ToString(), x);
        return result;
    }

    public static TensorHandle Binary(BinaryOp op, TensorHandle a, TensorHandle b)
    {
        Check(tc_binary((int)op, a, b, out var result), op.ToString(), a, b, hint: "shapes must be broadcastable (trailing dimensions equal or 1)");
        return result;
    }

    public static TensorHandle BinaryScalar(BinaryOp op, TensorHandle a, double b)
    {
        Check(tc_binary_scalar((int)op, a, b, out var result), op.ToString(), a);
        return result;
    }

    public static TensorHandle Clamp(TensorHandle x, double? min, double? max)
    {
        Check(tc_clamp(x, min ?? 0, max ?? 0, min.HasValue ? 1 : 0, max.HasValue ? 1 : 0, out var result), "clamp", x);
        return result;
    }

    public static TensorHandle Where(TensorHandle condition, TensorHandle a, TensorHandle b)
    {
        Check(tc_where(condition, a, b, out var result), "where", condition, a, b);
        return result;
    }

    public static TensorHandle Reduce(ReduceOp op, TensorHandle x, ReadOnlySpan<long> dims, bool keepDim)
    {
        fixed (long* d = dims)
        {
            Check(tc_reduce((int)op, x, d, dims.Length, keepDim ? 1 : 0, out var result), op.ToString(), x);
            return result;
        }
    }

    public static TensorHandle ArgMax(TensorHandle x, long dim, bool keepDim)
    {
        Check(tc_argmax(x, dim, keepDim ? 1 : 0, out var result), "argmax", x);
        return result;
    }

    public static (TensorHandle Values, TensorHandle Indices) TopK(TensorHandle x, long k, long dim)
    {
        Check(tc_topk(x, k, dim, out var values, out var indices), "topk", x, hint: $"k = {k}, dim = {dim}");
        return (values, indices);
    }

    public static TensorHandle Norm(TensorHandle x, double p, ReadOnlySpan<long> dims, bool keepDim)
    {
        fixed (long* d = dims)
        {
            Check(tc_norm(x, p, d, dims.Length, keepDim ? 1 : 0, out var result), "norm", x);
            return result;
        }
    }

    public static TensorHandle MatMul(TensorHandle a, TensorHandle b)
    {
        Check(tc_matmul(a, b, out var result), "matmul", a, b, hint: "the last dimension of the left operand must equal the second-to-last of the right");
        return result;
    }

    // ---- in-place updates ----------------------------------------------------------------------------------

    [LibraryImport(Lib)] private static partial nint tc_inplace(int op, TensorHandle self, TensorHandle other, TensorHandle other2, double alpha);
    [LibraryImport(Lib)] private static partial nint tc_inplace_scale(TensorHandle self, double factor);
    [LibraryImport(Lib)] private static partial nint tc_inplace_fill(TensorHandle self, double value);
    [LibraryImport(Lib)] private static partial nint tc_relu_(TensorHandle self);
    [LibraryImport(Lib)] private static partial nint tc_add_(TensorHandle self, TensorHandle other);

    public static void InPlace(InPlaceOp op, TensorHandle self, TensorHandle other, TensorHandle? other2, double alpha) =>
        Check(tc_inplace((int)op, self, other, other2 ?? TensorHandle.None, alpha), op.ToString(), self, other, other2);

    public static void InPlaceScale(TensorHandle self, double factor) => Check(tc_inplace_scale(self, factor), "mul_", self);

    public static void InPlaceFill(TensorHandle self, double value) => Check(tc_inplace_fill(self, value), "fill_", self);

    public static void ReluRecorded(TensorHandle self) => Check(tc_relu_(self), "relu_", self);

    public static void AddRecorded(TensorHandle self, TensorHandle other) => Check(tc_add_(self, other), "add_", self, other);

    // ---- neural-network functions --------------------------------------------------------------------------

    [LibraryImport(Lib)] private static partial nint tc_conv2d(TensorHandle x, TensorHandle weight, TensorHandle bias, long strideH, long strideW, long padH, long padW, long dilationH, long dilationW, long groups, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_batch_norm(TensorHandle x, TensorHandle weight, TensorHandle bias, TensorHandle runningMean, TensorHandle runningVar, int training, double momentum, double eps, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_linear(TensorHandle x, TensorHandle weight, TensorHandle bias, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_max_pool2d(TensorHandle x, long kernelH, long kernelW, long strideH, long strideW, long padH, long padW, long dilationH, long dilationW, int ceilMode, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_avg_pool2d(TensorHandle x, long kernelH, long kernelW, long strideH, long strideW, long padH, long padW, int ceilMode, int countIncludePad, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_adaptive_avg_pool2d(TensorHandle x, long outH, long outW, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_upsample2d(TensorHandle x, int mode, long outH, long outW, int alignCorners, double scaleH, double scaleW, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_dropout(TensorHandle x, double p, int training, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_softmax(TensorHandle x, long dim, int log, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_cross_entropy(TensorHandle logits, TensorHandle target, double labelSmoothing, int reduction, out TensorHandle result);

    public static TensorHandle Conv2d(TensorHandle x, TensorHandle weight, TensorHandle? bias, (long H, long W) stride, (long H, long W) padding, (long H, long W) dilation, long groups)
    {
        Check(tc_conv2d(x, weight, bias ?? TensorHandle.None, stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W, groups, out var result),
            "conv2d", x, weight, bias,
            hint: $"groups = {groups}: input must be [N, C, H, W] with C = weight.shape[1] * groups, and weight.shape[0] divisible by groups");
        return result;
    }

    public static TensorHandle BatchNorm(TensorHandle x, TensorHandle? weight, TensorHandle? bias, TensorHandle? runningMean, TensorHandle? runningVar, bool training, double momentum, double eps)
    {
        Check(tc_batch_norm(x, weight ?? TensorHandle.None, bias ?? TensorHandle.None, runningMean ?? TensorHandle.None, runningVar ?? TensorHandle.None, training ? 1 : 0, momentum, eps, out var result),
            "batch_norm", x, weight, bias, hint: "weight, bias and running statistics must all have C = input.shape[1] elements");
        return result;
    }

    public static TensorHandle Linear(TensorHandle x, TensorHandle weight, TensorHandle? bias)
    {
        Check(tc_linear(x, weight, bias ?? TensorHandle.None, out var result), "linear", x, weight, bias,
            hint: "input's last dimension must equal weight.shape[1] (in_features)");
        return result;
    }

    public static TensorHandle MaxPool2d(TensorHandle x, (long H, long W) kernel, (long H, long W) stride, (long H, long W) padding, (long H, long W) dilation, bool ceilMode)
    {
        Check(tc_max_pool2d(x, kernel.H, kernel.W, stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W, ceilMode ? 1 : 0, out var result), "max_pool2d", x);
        return result;
    }

    public static TensorHandle AvgPool2d(TensorHandle x, (long H, long W) kernel, (long H, long W) stride, (long H, long W) padding, bool ceilMode, bool countIncludePad)
    {
        Check(tc_avg_pool2d(x, kernel.H, kernel.W, stride.H, stride.W, padding.H, padding.W, ceilMode ? 1 : 0, countIncludePad ? 1 : 0, out var result), "avg_pool2d", x);
        return result;
    }

    public static TensorHandle AdaptiveAvgPool2d(TensorHandle x, long outH, long outW)
    {
        Check(tc_adaptive_avg_pool2d(x, outH, outW, out var result), "adaptive_avg_pool2d", x);
        return result;
    }

    public static TensorHandle Upsample2d(TensorHandle x, bool bilinear, long outH, long outW, bool alignCorners, double scaleH, double scaleW)
    {
        Check(tc_upsample2d(x, bilinear ? 1 : 0, outH, outW, alignCorners ? 1 : 0, scaleH, scaleW, out var result), "upsample2d", x);
        return result;
    }

    public static TensorHandle Dropout(TensorHandle x, double p, bool training)
    {
        Check(tc_dropout(x, p, training ? 1 : 0, out var result), "dropout", x);
        return result;
    }

    public static TensorHandle Softmax(TensorHandle x, long dim, bool log)
    {
        Check(tc_softmax(x, dim, log ? 1 : 0, out var result), log ? "log_softmax" : "softmax", x);
        return result;
    }

    public static TensorHandle CrossEntropy(TensorHandle logits, TensorHandle target, double labelSmoothing, Reduction reduction)
    {
        Check(tc_cross_entropy(logits, target, labelSmoothing, (int)reduction, out var result), "cross_entropy", logits, target,
            hint: "logits are [N, C] float; target is [N] int64 class indices in [0, C)");
        return result;
    }

    // ---- autograd ------------------------------------------------------------------------------------------

    [LibraryImport(Lib)] private static partial nint tc_backward(TensorHandle output, TensorHandle gradient, int retainGraph);
    [LibraryImport(Lib)] private static partial nint tc_grad(TensorHandle x, out TensorHandle result);
    [LibraryImport(Lib)] private static partial nint tc_set_grad(TensorHandle x, TensorHandle gradient);

    public static void Backward(TensorHandle output, TensorHandle? gradient, bool retainGraph) =>
        Check(tc_backward(output, gradient ?? TensorHandle.None, retainGraph ? 1 : 0), "backward", output, gradient);

    /// <summary>The gradient, or null when none has been computed.</summary>
    public static TensorHandle? Grad(TensorHandle x)
    {
        Check(tc_grad(x, out var result), "grad", x);
        if (!result.IsInvalid) return result;
        result.Dispose();
        return null;
    }

    public static void SetGrad(TensorHandle x, TensorHandle? gradient) =>
        Check(tc_set_grad(x, gradient ?? TensorHandle.None), "set_grad", x, gradient);

    // ---- status checking -----------------------------------------------------------------------------------

    /// <summary>Frees a native error and throws it as a <see cref="TorchException"/> naming the inputs.</summary>
    private static void Check(nint error, string op, TensorHandle? a = null, TensorHandle? b = null, TensorHandle? c = null, string? hint = null)
    {
        if (error == 0) return;
        string native;
        try
        {
            native = Marshal.PtrToStringUTF8(tc_error_message(error)) ?? "(no message)";
        }
        finally
        {
            tc_error_free(error);
        }

        var message = new StringBuilder(native.TrimEnd());
        var inputs = new[] { a, b, c }.Where(h => h is not null).Select(h => Describe(h!)).ToArray();
        if (inputs.Length > 0) message.Append($"\n  inputs: {string.Join(", ", inputs)}");
        if (hint is not null) message.Append($"\n  hint: {hint}");
        throw new TorchException(op, message.ToString());
    }

    /// <summary>"float32[2, 3] cpu" for a live handle; safe to call on a disposed or null one.</summary>
    internal static string Describe(TensorHandle handle)
    {
        if (handle.IsClosed || handle.IsInvalid) return "(none)";
        var ndim = tc_tensor_ndim(handle);
        if (ndim < 0 || ndim > MaxDims) return "(unknown)";
        var shape = stackalloc long[MaxDims];
        var error = tc_tensor_shape(handle, shape, MaxDims);
        if (error != 0)
        {
            tc_error_free(error);
            return "(unknown)";
        }

        var dims = new long[ndim];
        for (var i = 0; i < ndim; i++) dims[i] = shape[i];
        return $"{DTypeOf(handle).Name()}[{string.Join(", ", dims)}]";
    }
}

/// <summary>Codes of <c>tc_unary_op</c>.</summary>
internal enum UnaryOp { Neg, Abs, Exp, Log, Sqrt, Rsqrt, Sign, Relu, Relu6, Sigmoid, Tanh, Silu, HardSwish, HardSigmoid, Square, Reciprocal, LogicalNot, Gelu }

/// <summary>Codes of <c>tc_binary_op</c>.</summary>
internal enum BinaryOp { Add, Sub, Mul, Div, Pow, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge }

/// <summary>Codes of <c>tc_reduce_op</c>.</summary>
internal enum ReduceOp { Sum, Mean, AMax, AMin }

/// <summary>Codes of <c>tc_inplace_op</c>.</summary>
internal enum InPlaceOp { Add, Mul, Copy, AddCMul, AddCDiv, Lerp }
