using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace Toolchain.Runtime.Interop;

/// <summary>
/// One checked wrapper per ONNX Runtime C API call this project uses. Each reads its function pointer from the
/// API table, turns a non-null <c>OrtStatus*</c> into an <see cref="OnnxRuntimeException"/> (after releasing the
/// status), and hands native objects back as <see cref="OrtHandle"/>s. Raw pointers never leave this folder.
/// </summary>
internal static unsafe class OrtNative
{
    // Enum values from onnxruntime_c_api.h.
    public const int LoggingLevelWarning = 2;        // ORT_LOGGING_LEVEL_WARNING
    public const int OnnxTypeTensor = 1;             // ONNX_TYPE_TENSOR
    public const int ElementFloat = 1;               // ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT
    private const int ArenaAllocator = 1;            // OrtArenaAllocator
    private const int MemTypeDefault = 0;            // OrtMemTypeDefault

    private static nint* Api => OrtLibrary.Library.Api;

    private static nint Fn(int slot) => Api[slot];

    // ---- status ------------------------------------------------------------------------------------------

    /// <summary>Throws for a non-null status, naming <paramref name="what"/>; always releases the status.</summary>
    private static void Check(nint status, string what)
    {
        if (status == 0) return;
        var code = ((delegate* unmanaged[Cdecl]<nint, int>)Fn(OrtSlots.GetErrorCode))(status);
        var message = Marshal.PtrToStringUTF8(((delegate* unmanaged[Cdecl]<nint, nint>)Fn(OrtSlots.GetErrorMessage))(status)) ?? "";
        ((delegate* unmanaged[Cdecl]<nint, void>)Fn(OrtSlots.ReleaseStatus))(status);
        throw new OnnxRuntimeException($"{what}: ONNX Runtime error {(OnnxRuntimeErrorCode)code}: {message}", (OnnxRuntimeErrorCode)code);
    }

    /// <summary>Fills a fresh handle with <paramref name="pointer"/> returned by a successful create call.</summary>
    private static T Own<T>(T handle, nint pointer, string what) where T : OrtHandle
    {
        if (pointer == 0)
        {
            handle.Dispose();
            throw new OnnxRuntimeException($"{what}: ONNX Runtime returned success but no object", OnnxRuntimeErrorCode.Fail);
        }

        Marshal.InitHandle(handle, pointer);
        return handle;
    }

    // ---- environment and library ---------------------------------------------------------------------------

    public static EnvHandle CreateEnv(string logId)
    {
        var handle = new EnvHandle();
        var id = Utf8(logId);
        nint env = 0;
        fixed (byte* p = id)
        {
            Check(((delegate* unmanaged[Cdecl]<int, byte*, nint*, nint>)Fn(OrtSlots.CreateEnv))(LoggingLevelWarning, p, &env), "CreateEnv");
        }

        return Own(handle, env, "CreateEnv");
    }

    /// <summary>Execution providers compiled into the loaded library (e.g. CPUExecutionProvider).</summary>
    public static string[] GetAvailableProviders()
    {
        byte** names = null;
        var count = 0;
        Check(((delegate* unmanaged[Cdecl]<byte***, int*, nint>)Fn(OrtSlots.GetAvailableProviders))(&names, &count), "GetAvailableProviders");
        try
        {
            var result = new string[count];
            for (var i = 0; i < count; i++) result[i] = Marshal.PtrToStringUTF8((nint)names[i]) ?? "";
            return result;
        }
        finally
        {
            Check(((delegate* unmanaged[Cdecl]<byte**, int, nint>)Fn(OrtSlots.ReleaseAvailableProviders))(names, count), "ReleaseAvailableProviders");
        }
    }

    /// <summary>The process-wide default CPU allocator (owned by ONNX Runtime: never released).</summary>
    private static nint DefaultAllocator()
    {
        nint allocator = 0;
        Check(((delegate* unmanaged[Cdecl]<nint*, nint>)Fn(OrtSlots.GetAllocatorWithDefaultOptions))(&allocator), "GetAllocatorWithDefaultOptions");
        return allocator;
    }

    /// <summary>Copies a string ONNX Runtime allocated with <paramref name="allocator"/>, then frees it there.</summary>
    private static string TakeString(nint allocator, byte* text, string what)
    {
        if (text == null) return "";
        try
        {
            return Marshal.PtrToStringUTF8((nint)text) ?? "";
        }
        finally
        {
            Check(((delegate* unmanaged[Cdecl]<nint, void*, nint>)Fn(OrtSlots.AllocatorFree))(allocator, text), what + " (AllocatorFree)");
        }
    }

    // ---- session options -----------------------------------------------------------------------------------

    public static SessionOptionsHandle CreateSessionOptions()
    {
        var handle = new SessionOptionsHandle();
        nint options = 0;
        Check(((delegate* unmanaged[Cdecl]<nint*, nint>)Fn(OrtSlots.CreateSessionOptions))(&options), "CreateSessionOptions");
        return Own(handle, options, "CreateSessionOptions");
    }

    public static void SetIntraOpNumThreads(SessionOptionsHandle options, int threads)
    {
        using var o = options.Borrow();
        Check(((delegate* unmanaged[Cdecl]<nint, int, nint>)Fn(OrtSlots.SetIntraOpNumThreads))(o.Pointer, threads), "SetIntraOpNumThreads");
    }

    public static void SetInterOpNumThreads(SessionOptionsHandle options, int threads)
    {
        using var o = options.Borrow();
        Check(((delegate* unmanaged[Cdecl]<nint, int, nint>)Fn(OrtSlots.SetInterOpNumThreads))(o.Pointer, threads), "SetInterOpNumThreads");
    }

    /// <summary><paramref name="level"/>: 0 disabled, 1 basic, 2 extended, 99 all (GraphOptimizationLevel).</summary>
    public static void SetGraphOptimizationLevel(SessionOptionsHandle options, int level)
    {
        using var o = options.Borrow();
        Check(((delegate* unmanaged[Cdecl]<nint, int, nint>)Fn(OrtSlots.SetSessionGraphOptimizationLevel))(o.Pointer, level),
            "SetSessionGraphOptimizationLevel");
    }

    /// <summary>Profiling writes a JSON trace to <c>{prefix}_{timestamp}.json</c>.</summary>
    public static void EnableProfiling(SessionOptionsHandle options, string filePrefix)
    {
        using var o = options.Borrow();
        fixed (byte* p = Utf8(filePrefix))
        {
            Check(((delegate* unmanaged[Cdecl]<nint, byte*, nint>)Fn(OrtSlots.EnableProfiling))(o.Pointer, p), "EnableProfiling");
        }
    }

    /// <summary>A session configuration key/value (onnxruntime_session_options_config_keys.h).</summary>
    public static void AddSessionConfigEntry(SessionOptionsHandle options, string key, string value)
    {
        using var o = options.Borrow();
        fixed (byte* k = Utf8(key))
        fixed (byte* v = Utf8(value))
        {
            Check(((delegate* unmanaged[Cdecl]<nint, byte*, byte*, nint>)Fn(OrtSlots.AddSessionConfigEntry))(o.Pointer, k, v), $"AddSessionConfigEntry({key})");
        }
    }

    public static void AppendCudaProvider(SessionOptionsHandle options)
    {
        using var providerOptions = new CudaProviderOptionsHandle();
        nint created = 0;
        Check(((delegate* unmanaged[Cdecl]<nint*, nint>)Fn(OrtSlots.CreateCUDAProviderOptions))(&created), "CreateCUDAProviderOptions");
        Own(providerOptions, created, "CreateCUDAProviderOptions");
        using var o = options.Borrow();
        using var c = providerOptions.Borrow();
        Check(((delegate* unmanaged[Cdecl]<nint, nint, nint>)Fn(OrtSlots.SessionOptionsAppendExecutionProvider_CUDA_V2))(o.Pointer, c.Pointer),
            "SessionOptionsAppendExecutionProvider_CUDA_V2");
    }

    public static void AppendTensorRtProvider(SessionOptionsHandle options)
    {
        using var providerOptions = new TensorRtProviderOptionsHandle();
        nint created = 0;
        Check(((delegate* unmanaged[Cdecl]<nint*, nint>)Fn(OrtSlots.CreateTensorRTProviderOptions))(&created), "CreateTensorRTProviderOptions");
        Own(providerOptions, created, "CreateTensorRTProviderOptions");
        using var o = options.Borrow();
        using var t = providerOptions.Borrow();
        Check(((delegate* unmanaged[Cdecl]<nint, nint, nint>)Fn(OrtSlots.SessionOptionsAppendExecutionProvider_TensorRT_V2))(o.Pointer, t.Pointer),
            "SessionOptionsAppendExecutionProvider_TensorRT_V2");
    }

    // ---- sessions --------------------------------------------------------------------------------------------

    public static SessionHandle CreateSession(EnvHandle env, string modelPath, SessionOptionsHandle options, string what)
    {
        var handle = new SessionHandle();
        nint session = 0;
        using (var e = env.Borrow())
        using (var o = options.Borrow())
        {
            fixed (byte* p = Utf8(modelPath))
            {
                var status = ((delegate* unmanaged[Cdecl]<nint, byte*, nint, nint*, nint>)Fn(OrtSlots.CreateSession))(e.Pointer, p, o.Pointer, &session);
                CheckOrDispose(status, handle, what);
            }
        }

        return Own(handle, session, what);
    }

    public static SessionHandle CreateSessionFromArray(EnvHandle env, ReadOnlySpan<byte> model, SessionOptionsHandle options, string what)
    {
        var handle = new SessionHandle();
        nint session = 0;
        using (var e = env.Borrow())
        using (var o = options.Borrow())
        {
            fixed (byte* p = model)
            {
                var status = ((delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, nint*, nint>)Fn(OrtSlots.CreateSessionFromArray))(
                    e.Pointer, p, (nuint)model.Length, o.Pointer, &session);
                CheckOrDispose(status, handle, what);
            }
        }

        return Own(handle, session, what);
    }

    private static void CheckOrDispose(nint status, OrtHandle unfilled, string what)
    {
        if (status == 0) return;
        unfilled.Dispose();
        Check(status, what);
    }

    public static int SessionInputCount(SessionHandle session) => SessionCount(session, OrtSlots.SessionGetInputCount, "SessionGetInputCount");

    public static int SessionOutputCount(SessionHandle session) => SessionCount(session, OrtSlots.SessionGetOutputCount, "SessionGetOutputCount");

    private static int SessionCount(SessionHandle session, int slot, string what)
    {
        using var s = session.Borrow();
        nuint count = 0;
        Check(((delegate* unmanaged[Cdecl]<nint, nuint*, nint>)Fn(slot))(s.Pointer, &count), what);
        return checked((int)count);
    }

    public static string SessionInputName(SessionHandle session, int index) =>
        SessionName(session, index, OrtSlots.SessionGetInputName, "SessionGetInputName");

    public static string SessionOutputName(SessionHandle session, int index) =>
        SessionName(session, index, OrtSlots.SessionGetOutputName, "SessionGetOutputName");

    private static string SessionName(SessionHandle session, int index, int slot, string what)
    {
        var allocator = DefaultAllocator();
        using var s = session.Borrow();
        byte* name = null;
        Check(((delegate* unmanaged[Cdecl]<nint, nuint, nint, byte**, nint>)Fn(slot))(s.Pointer, (nuint)index, allocator, &name), what);
        return TakeString(allocator, name, what);
    }

    /// <summary>Element type (ONNXTensorElementDataType) and dimensions (−1 where dynamic) of input <paramref name="index"/>; null when it is not a tensor.</summary>
    public static (int ElementType, long[] Shape)? SessionInputInfo(SessionHandle session, int index) =>
        SessionTypeInfo(session, index, OrtSlots.SessionGetInputTypeInfo, "SessionGetInputTypeInfo");

    public static (int ElementType, long[] Shape)? SessionOutputInfo(SessionHandle session, int index) =>
        SessionTypeInfo(session, index, OrtSlots.SessionGetOutputTypeInfo, "SessionGetOutputTypeInfo");

    private static (int, long[])? SessionTypeInfo(SessionHandle session, int index, int slot, string what)
    {
        using var typeInfo = new TypeInfoHandle();
        nint created = 0;
        using (var s = session.Borrow())
        {
            Check(((delegate* unmanaged[Cdecl]<nint, nuint, nint*, nint>)Fn(slot))(s.Pointer, (nuint)index, &created), what);
        }

        Own(typeInfo, created, what);
        using var t = typeInfo.Borrow();
        var onnxType = 0;
        Check(((delegate* unmanaged[Cdecl]<nint, int*, nint>)Fn(OrtSlots.GetOnnxTypeFromTypeInfo))(t.Pointer, &onnxType), "GetOnnxTypeFromTypeInfo");
        if (onnxType != OnnxTypeTensor) return null;

        // The tensor info belongs to the type info: valid while it lives, never released on its own.
        nint tensorInfo = 0;
        Check(((delegate* unmanaged[Cdecl]<nint, nint*, nint>)Fn(OrtSlots.CastTypeInfoToTensorInfo))(t.Pointer, &tensorInfo), "CastTypeInfoToTensorInfo");
        return ReadTypeAndShape(tensorInfo);
    }

    private static (int, long[]) ReadTypeAndShape(nint tensorInfo)
    {
        var elementType = 0;
        Check(((delegate* unmanaged[Cdecl]<nint, int*, nint>)Fn(OrtSlots.GetTensorElementType))(tensorInfo, &elementType), "GetTensorElementType");
        nuint rank = 0;
        Check(((delegate* unmanaged[Cdecl]<nint, nuint*, nint>)Fn(OrtSlots.GetDimensionsCount))(tensorInfo, &rank), "GetDimensionsCount");
        var shape = new long[(int)rank];
        fixed (long* d = shape)
        {
            Check(((delegate* unmanaged[Cdecl]<nint, long*, nuint, nint>)Fn(OrtSlots.GetDimensions))(tensorInfo, d, rank), "GetDimensions");
        }

        return (elementType, shape);
    }

    /// <summary>Ends profiling and returns the trace file's path.</summary>
    public static string EndProfiling(SessionHandle session)
    {
        var allocator = DefaultAllocator();
        using var s = session.Borrow();
        byte* path = null;
        Check(((delegate* unmanaged[Cdecl]<nint, nint, byte**, nint>)Fn(OrtSlots.SessionEndProfiling))(s.Pointer, allocator, &path), "SessionEndProfiling");
        return TakeString(allocator, path, "SessionEndProfiling");
    }

    // ---- values and running -----------------------------------------------------------------------------------

    public static MemoryInfoHandle CreateCpuMemoryInfo()
    {
        var handle = new MemoryInfoHandle();
        nint info = 0;
        Check(((delegate* unmanaged[Cdecl]<int, int, nint*, nint>)Fn(OrtSlots.CreateCpuMemoryInfo))(ArenaAllocator, MemTypeDefault, &info), "CreateCpuMemoryInfo");
        return Own(handle, info, "CreateCpuMemoryInfo");
    }

    /// <summary>
    /// A float tensor value over <paramref name="data"/> without copying: the array stays pinned until the returned
    /// object is disposed, which releases the value first.
    /// </summary>
    public static PinnedTensor CreateTensorOver(MemoryInfoHandle memoryInfo, float[] data, long[] shape)
    {
        var pin = data.AsMemory().Pin();
        var handle = new ValueHandle();
        try
        {
            nint value = 0;
            using (var m = memoryInfo.Borrow())
            {
                fixed (long* s = shape)
                {
                    Check(((delegate* unmanaged[Cdecl]<nint, void*, nuint, long*, nuint, int, nint*, nint>)Fn(OrtSlots.CreateTensorWithDataAsOrtValue))(
                        m.Pointer, pin.Pointer, (nuint)((long)data.Length * sizeof(float)), s, (nuint)shape.Length, ElementFloat, &value),
                        "CreateTensorWithDataAsOrtValue");
                }
            }

            return new PinnedTensor(Own(handle, value, "CreateTensorWithDataAsOrtValue"), pin);
        }
        catch
        {
            handle.Dispose();
            pin.Dispose();
            throw;
        }
    }

    /// <summary>Runs the session; returns one owned value per output name.</summary>
    public static ValueHandle[] Run(SessionHandle session, IReadOnlyList<string> inputNames, IReadOnlyList<PinnedTensor> inputs,
        IReadOnlyList<string> outputNames, string what)
    {
        if (inputNames.Count != inputs.Count) throw new ArgumentException("one name per input value is required");
        var names = Utf8Block(inputNames.Concat(outputNames).ToList(), out var offsets);
        var inputPointers = new nint[inputs.Count];
        var outputPointers = new nint[outputNames.Count];
        var results = new ValueHandle[outputNames.Count];
        for (var i = 0; i < results.Length; i++) results[i] = new ValueHandle();

        var borrowed = 0;
        using var s = session.Borrow();
        try
        {
            for (; borrowed < inputs.Count; borrowed++)
            {
                var added = false;
                inputs[borrowed].Value.DangerousAddRef(ref added);
                inputPointers[borrowed] = inputs[borrowed].Value.DangerousGetHandle();
            }

            fixed (byte* block = names)
            fixed (nint* inputValues = inputPointers)
            fixed (nint* outputValues = outputPointers)
            {
                var namePointers = stackalloc byte*[offsets.Length];
                for (var i = 0; i < offsets.Length; i++) namePointers[i] = block + offsets[i];
                var status = ((delegate* unmanaged[Cdecl]<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint>)Fn(OrtSlots.Run))(
                    s.Pointer, 0, namePointers, inputValues, (nuint)inputs.Count, namePointers + inputs.Count, (nuint)outputNames.Count, outputValues);
                if (status != 0)
                {
                    // On failure ONNX Runtime fills no outputs; the empty handles own nothing.
                    foreach (var r in results) r.Dispose();
                    Check(status, what);
                }
            }

            // Every returned value gets its owner before anything can throw, so none leaks.
            for (var i = 0; i < results.Length; i++)
            {
                if (outputPointers[i] != 0) Marshal.InitHandle(results[i], outputPointers[i]);
            }

            var missing = Array.IndexOf(outputPointers, 0);
            if (missing >= 0) throw new OnnxRuntimeException($"{what}: ONNX Runtime returned no value for output '{outputNames[missing]}'");
            return results;
        }
        catch
        {
            foreach (var r in results) r.Dispose();
            throw;
        }
        finally
        {
            for (var i = 0; i < borrowed; i++) inputs[i].Value.DangerousRelease();
        }
    }

    /// <summary>
    /// Copies a tensor value into float32 (float, double, int64 and int32 elements are converted); names the value
    /// <paramref name="what"/> in errors.
    /// </summary>
    public static (long[] Shape, float[] Data) ReadTensor(ValueHandle value, string what)
    {
        using var v = value.Borrow();
        var isTensor = 0;
        Check(((delegate* unmanaged[Cdecl]<nint, int*, nint>)Fn(OrtSlots.IsTensor))(v.Pointer, &isTensor), "IsTensor");
        if (isTensor == 0) throw new NotSupportedException($"{what} is not a tensor (sequences and maps are not supported)");

        using var info = new TensorTypeAndShapeInfoHandle();
        nint created = 0;
        Check(((delegate* unmanaged[Cdecl]<nint, nint*, nint>)Fn(OrtSlots.GetTensorTypeAndShape))(v.Pointer, &created), "GetTensorTypeAndShape");
        Own(info, created, "GetTensorTypeAndShape");
        using var i = info.Borrow();
        var (elementType, shape) = ReadTypeAndShape(i.Pointer);
        long count = 1;
        foreach (var d in shape) count = checked(count * d);

        void* data = null;
        Check(((delegate* unmanaged[Cdecl]<nint, void**, nint>)Fn(OrtSlots.GetTensorMutableData))(v.Pointer, &data), "GetTensorMutableData");
        var result = new float[count];
        switch (OrtElementTypes.Name(elementType))
        {
            case "float32":
                new ReadOnlySpan<float>(data, result.Length).CopyTo(result);
                break;
            case "float64":
                for (var k = 0; k < result.Length; k++) result[k] = (float)((double*)data)[k];
                break;
            case "int64":
                for (var k = 0; k < result.Length; k++) result[k] = ((long*)data)[k];
                break;
            case "int32":
                for (var k = 0; k < result.Length; k++) result[k] = ((int*)data)[k];
                break;
            default:
                throw new NotSupportedException($"{what} has element type {OrtElementTypes.Name(elementType)}; only float32, float64, int64 and int32 outputs can be read");
        }

        return (shape, result);
    }

    // ---- strings ---------------------------------------------------------------------------------------------

    private static byte[] Utf8(string text)
    {
        if (text.Contains('\0')) throw new ArgumentException($"'{text}' contains a NUL character");
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    /// <summary>NUL-terminated UTF-8 strings back to back in one block, with each one's offset.</summary>
    private static byte[] Utf8Block(IReadOnlyList<string> texts, out int[] offsets)
    {
        var writer = new ArrayBufferWriter<byte>();
        offsets = new int[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            offsets[i] = writer.WrittenCount;
            writer.Write(Utf8(texts[i]));
        }

        return writer.WrittenSpan.ToArray();
    }
}

/// <summary>A tensor value over a pinned managed array: disposing releases the value, then unpins the array.</summary>
internal sealed class PinnedTensor(ValueHandle value, MemoryHandle pin) : IDisposable
{
    private MemoryHandle _pin = pin;

    public ValueHandle Value { get; } = value;

    public void Dispose()
    {
        Value.Dispose();
        _pin.Dispose();
    }
}
