using Ort = Microsoft.ML.OnnxRuntime;

namespace Toolchain.Runtime;

/// <summary>
/// The process's ONNX Runtime: the package's one <c>OrtEnv</c> (created on first use, never released: every session
/// refers to it), its version and compiled-in providers, where its native library was loaded from, and the one place
/// ONNX Runtime's own exceptions become ours, with what we were doing in front of ONNX Runtime's message.
/// </summary>
internal static partial class OrtRuntime
{
    /// <summary>The native library's file name in the package (runtimes/linux-x64/native).</summary>
    public const string LibraryFileName = "libonnxruntime.so";

    private static readonly Lazy<Ort.OrtEnv> Env = new(() => Call("loading ONNX Runtime", Ort.OrtEnv.Instance), LazyThreadSafetyMode.ExecutionAndPublication);

    public static Ort.OrtEnv Instance => Env.Value;

    /// <summary>The package this build carries: "cpu" (Microsoft.ML.OnnxRuntime) or "gpu" (Microsoft.ML.OnnxRuntime.Gpu.Linux).</summary>
    public static string Flavor => Metadata("OnnxRuntimeFlavor") ?? "cpu";

    /// <summary>The NuGet package id of the native library this build carries.</summary>
    public static string Package => Metadata("OnnxRuntimePackage") ?? "Microsoft.ML.OnnxRuntime";

    private static string? Metadata(string key) =>
        typeof(OrtRuntime).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;

    public static string Version => Instance.GetVersionString();

    public static IReadOnlyList<string> AvailableProviders => Instance.GetAvailableProviders();

    /// <summary>The folder the loaded <c>libonnxruntime.so</c> lives in (read from /proc/self/maps), or null when not found.</summary>
    public static string? LibraryDirectory
    {
        get
        {
            _ = Instance;
            try
            {
                var path = File.ReadLines("/proc/self/maps")
                    .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    .Where(f => f.Length >= 6)
                    .Select(f => string.Join(' ', f[5..]))
                    .FirstOrDefault(p => Path.GetFileName(p).StartsWith(LibraryFileName, StringComparison.Ordinal));
                return path is null ? null : Path.GetDirectoryName(path);
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Runs an ONNX Runtime call; its <see cref="Ort.OnnxRuntimeException"/> becomes our <see cref="OnnxRuntimeException"/>
    /// saying <paramref name="what"/> we were doing, with ONNX Runtime's error code and message. A native library that
    /// does not load becomes one too, saying how to get it.
    /// </summary>
    public static T Call<T>(string what, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Ort.OnnxRuntimeException e)
        {
            throw Translate(what, e);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException { InnerException: DllNotFoundException or EntryPointNotFoundException })
        {
            throw new OnnxRuntimeException(
                $"{what}: ONNX Runtime's native library could not be loaded ({(e.InnerException ?? e).Message}). It comes from the NuGet " +
                $"package Microsoft.ML.OnnxRuntime into runtimes/linux-x64/native beside the assemblies: rebuild with 'make build'.", e);
        }
    }

    public static void Call(string what, Action call) => Call(what, () =>
    {
        call();
        return 0;
    });

    /// <summary>The package keeps the error code private and writes it at the head of the message: "[ErrorCode:InvalidProtobuf] …".</summary>
    private static OnnxRuntimeException Translate(string what, Ort.OnnxRuntimeException e)
    {
        var match = ErrorCodePrefix().Match(e.Message);
        var code = match.Success && Enum.TryParse<OnnxRuntimeErrorCode>(match.Groups[1].Value, out var c) ? c : OnnxRuntimeErrorCode.Fail;
        var message = match.Success ? e.Message[match.Length..].TrimStart() : e.Message;
        return new OnnxRuntimeException($"{what}: ONNX Runtime error {code}: {message}", code, e);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\[ErrorCode:(\w+)\]")]
    private static partial System.Text.RegularExpressions.Regex ErrorCodePrefix();
}
