using System.Reflection;
using System.Runtime.InteropServices;

namespace Toolchain.Torch.Interop;

/// <summary>
/// Finds <c>libtoolchain_native.so</c> (next to the assemblies, or at <c>TOOLCHAIN_NATIVE_LIBRARY</c>)
/// and turns a failed load into an exception that says what to do.
/// </summary>
internal static class NativeLibraryLoader
{
    public const string LibraryName = "toolchain_native";
    public const string FileName = "libtoolchain_native.so";
    public const string PathVariable = "TOOLCHAIN_NATIVE_LIBRARY";

    /// <summary>Called once by <see cref="TorchInterop"/>'s static constructor, before its first P/Invoke.</summary>
    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == LibraryName ? Load(Locate()) : 0;

    /// <summary>The path the shim is loaded from: the override variable, else beside the assemblies.</summary>
    public static string Locate()
    {
        var overridePath = Environment.GetEnvironmentVariable(PathVariable);
        return string.IsNullOrEmpty(overridePath) ? Path.Combine(AppContext.BaseDirectory, FileName) : overridePath;
    }

    public static nint Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new TorchNativeLibraryException(
                $"The native shim '{path}' does not exist. Build it with 'make build' (CMake compiles src/Native " +
                $"and MSBuild copies it next to the assemblies), or point {PathVariable} at a built copy.");
        }

        try
        {
            return NativeLibrary.Load(path);
        }
        catch (DllNotFoundException e)
        {
            throw new TorchNativeLibraryException(
                $"The native shim '{path}' exists but could not be loaded: {e.Message}. Its dependencies come from " +
                "libtorch (Debian package libtorch-dev, installed by 'make deps').", e);
        }
    }
}
