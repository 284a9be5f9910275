using System.Runtime.InteropServices;

namespace Toolchain.Runtime.Interop;

/// <summary>
/// Loads <c>libonnxruntime.so.1</c> by path (next to the assemblies, or at <c>TOOLCHAIN_ONNXRUNTIME_LIBRARY</c>) and
/// resolves the C API: <c>OrtGetApiBase()</c> → <c>GetApi(23)</c> → the <c>OrtApi</c> function table.
/// The library stays loaded for the life of the process.
/// </summary>
internal static unsafe class OrtLibrary
{
    public const string FileName = "libonnxruntime.so.1";
    public const string PathVariable = "TOOLCHAIN_ONNXRUNTIME_LIBRARY";

    /// <summary>The C API version this binding was written against (ONNX Runtime 1.23).</summary>
    public const uint ApiVersion = 23;

    private static readonly Lazy<Loaded> Instance = new(() => Load(Locate(Environment.GetEnvironmentVariable(PathVariable))));

    /// <summary>The loaded library; the first access loads it and throws <see cref="OnnxRuntimeException"/> when it cannot.</summary>
    public static Loaded Library => Instance.Value;

    /// <summary>The path the library is loaded from: the override when set, else beside the assemblies.</summary>
    public static string Locate(string? overridePath) =>
        string.IsNullOrEmpty(overridePath) ? Path.Combine(AppContext.BaseDirectory, FileName) : Path.GetFullPath(overridePath);

    /// <summary>Loads the library at <paramref name="path"/> and resolves the API table of version 23.</summary>
    public static Loaded Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new OnnxRuntimeException(
                $"ONNX Runtime's library '{path}' does not exist. Run 'make deps' (it fetches ONNX Runtime 1.23.2 into " +
                $".deps/onnxruntime and the build copies it next to the assemblies), or point {PathVariable} at a copy.");
        }

        nint handle;
        try
        {
            handle = NativeLibrary.Load(path);
        }
        catch (DllNotFoundException e)
        {
            throw new OnnxRuntimeException(
                $"ONNX Runtime's library '{path}' exists but could not be loaded: {e.Message}. Run 'make deps' to fetch " +
                $"a checked copy, or point {PathVariable} at a working one.", e);
        }

        if (!NativeLibrary.TryGetExport(handle, "OrtGetApiBase", out var getApiBase))
        {
            throw new OnnxRuntimeException($"'{path}' does not export OrtGetApiBase: it is not an ONNX Runtime library.");
        }

        // struct OrtApiBase { const OrtApi* (*GetApi)(uint32_t); const char* (*GetVersionString)(void); }
        var apiBase = ((delegate* unmanaged[Cdecl]<nint*>)getApiBase)();
        var getApi = (delegate* unmanaged[Cdecl]<uint, nint*>)apiBase[0];
        var getVersion = (delegate* unmanaged[Cdecl]<byte*>)apiBase[1];
        var version = Marshal.PtrToStringUTF8((nint)getVersion()) ?? "unknown";
        var api = getApi(ApiVersion);
        if (api == null)
        {
            throw new OnnxRuntimeException(
                $"ONNX Runtime {version} at '{path}' does not provide C API version {ApiVersion} (ONNX Runtime 1.23 or newer " +
                "is required). Run 'make deps' to fetch 1.23.2.");
        }

        return new Loaded(path, version, api);
    }

    /// <summary>A loaded library: where it came from, its version and its API table.</summary>
    public sealed class Loaded(string path, string version, nint* api)
    {
        public string Path { get; } = path;

        public string Version { get; } = version;

        /// <summary>The <c>OrtApi</c> table; entry i is the function at slot i (shared/onnxruntime/ort-api-23-slots.tsv).</summary>
        public nint* Api { get; } = api;

        public string Directory => System.IO.Path.GetDirectoryName(Path) ?? ".";
    }
}
