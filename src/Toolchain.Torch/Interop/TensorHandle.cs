using Microsoft.Win32.SafeHandles;

namespace Toolchain.Torch.Interop;

/// <summary>Owns one native <c>tc_tensor</c>; the only owner of that native object on the C# side.</summary>
internal sealed class TensorHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>A non-owning null handle, passed for optional tensor arguments.</summary>
    public static readonly TensorHandle None = new(ownsHandle: false);

    public TensorHandle() : base(ownsHandle: true)
    {
    }

    private TensorHandle(bool ownsHandle) : base(ownsHandle)
    {
    }

    protected override bool ReleaseHandle()
    {
        TorchInterop.FreeTensor(handle);
        return true;
    }
}
