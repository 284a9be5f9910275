using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Toolchain.Runtime.Interop;

/// <summary>
/// Owns one native ONNX Runtime object and releases it through the API table's matching <c>Release*</c> function;
/// the only owner of that object on the C# side. Created empty, filled by <see cref="OrtNative"/> after the native
/// call succeeded (so a failed call never leaves a half-owned pointer behind).
/// </summary>
internal abstract unsafe class OrtHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    protected OrtHandle() : base(ownsHandle: true)
    {
    }

    /// <summary>The slot of the <c>void Release*(T*)</c> function for this type.</summary>
    protected abstract int ReleaseSlot { get; }

    protected override bool ReleaseHandle()
    {
        ((delegate* unmanaged[Cdecl]<nint, void>)OrtLibrary.Library.Api[ReleaseSlot])(handle);
        return true;
    }

    /// <summary>Keeps the object alive (a concurrent Dispose waits) while its pointer is in use.</summary>
    public Borrowed Borrow() => new(this);
}

/// <summary>A reference-counted use of an <see cref="OrtHandle"/>'s pointer; dispose it when the native call is done.</summary>
internal readonly ref struct Borrowed
{
    private readonly SafeHandle _handle;

    public Borrowed(SafeHandle handle)
    {
        var added = false;
        handle.DangerousAddRef(ref added); // throws ObjectDisposedException when already released
        _handle = handle;
        Pointer = handle.DangerousGetHandle();
    }

    public nint Pointer { get; }

    public void Dispose() => _handle.DangerousRelease();
}

internal sealed class EnvHandle : OrtHandle
{
    protected override int ReleaseSlot => OrtSlots.ReleaseEnv;
}

internal sealed class SessionOptionsHandle : OrtHandle
{
    protected override int ReleaseSlot => OrtSlots.ReleaseSessionOptions;
}

internal sealed class SessionHandle : OrtHandle
{
    protected override int ReleaseSlot => OrtSlots.ReleaseSession;
}

internal sealed class ValueHandle : OrtHandle
{
    protected override int ReleaseSlot => OrtSlots.ReleaseValue;
}

internal sealed class MemoryInfoHandle : OrtHandle
{
    protected override int ReleaseSlot => OrtSlots.ReleaseMemoryInfo;
}

internal sealed class TypeInfoHandle : OrtHandle
{
    protected override int ReleaseSlot => OrtSlots.ReleaseTypeInfo;
}

internal sealed class TensorTypeAndShapeInfoHandle : OrtHandle
{
    protected override int ReleaseSlot => OrtSlots.ReleaseTensorTypeAndShapeInfo;
}

internal sealed class CudaProviderOptionsHandle : OrtHandle
{
    protected override int ReleaseSlot => OrtSlots.ReleaseCUDAProviderOptions;
}

internal sealed class TensorRtProviderOptionsHandle : OrtHandle
{
    protected override int ReleaseSlot => OrtSlots.ReleaseTensorRTProviderOptions;
}
