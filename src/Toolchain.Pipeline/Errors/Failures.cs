using Toolchain.Onnx;
using Toolchain.Runtime;
using Toolchain.Torch;

namespace Toolchain.Pipeline;

/// <summary>
/// Whether a failure is the user's to fix (bad input) or a bug in the tool. The command line turns it into an exit code
/// (3 or 1) and the device agent into a failed job's kind, so a remote bench exits as the local one would.
/// </summary>
public static class Failures
{
    /// <summary>
    /// Whether <paramref name="e"/> says the input is bad rather than that the tool has a bug. Argument errors count only
    /// when our code raised them about what it was given (an out-of-range list index or a duplicate key raised inside
    /// the runtime is a bug), or when a file API refused a path; a null argument, an invalid operation, a missing key or
    /// a null reference is always a bug.
    /// </summary>
    public static bool IsBadInput(Exception e) => e switch
    {
        ArgumentNullException => false,
        ArgumentException a => ThrownByToolchain(a) || a.ParamName == "path",
        NotSupportedException => ThrownByToolchain(e),
        FileNotFoundException or DirectoryNotFoundException or InvalidDataException or FormatException or TorchException or TorchNativeLibraryException
            or UnauthorizedAccessException or IOException or OnnxImportException or OnnxExportException or OnnxRuntimeException or PipelineConfigException => true,
        _ => false,
    };

    /// <summary>Raised by our own code: the Toolchain.* libraries or the command (its assembly is <c>toolchain</c>).</summary>
    private static bool ThrownByToolchain(Exception e) =>
        e.TargetSite?.DeclaringType?.Assembly.GetName().Name is { } assembly && assembly.StartsWith("Toolchain", StringComparison.OrdinalIgnoreCase);
}
