using Microsoft.Win32.SafeHandles;

namespace Toolchain.Torch.Interop;

/// <summary>Owns one native <c>tc_generator</c>; the only owner of that native object on the C# side.</summary>
internal sealed class GeneratorHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public GeneratorHandle() : base(ownsHandle: true)
    {
    }

    private GeneratorHandle(bool ownsHandle) : base(ownsHandle)
    {
    }

    /// <summary>A non-owning null handle: draw from libtorch's global generator.</summary>
    public static GeneratorHandle Global { get; } = new(ownsHandle: false);

    protected override bool ReleaseHandle()
    {
        TorchInterop.FreeGenerator(handle);
        return true;
    }
}
