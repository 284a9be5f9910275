using System.Text;

namespace Toolchain.Agent.Uploads;

/// <summary>
/// Where uploaded models wait for their job: a folder only the agent's user can enter (mode 0700, made by mkdtemp, so no
/// other user can have created it first), one sub-folder per upload that goes away when its job ends, and the whole folder
/// when the agent stops.
/// </summary>
public sealed class UploadFolder : IDisposable
{
    public UploadFolder()
    {
        // CreateTempSubdirectory is mkdtemp on Unix: a new, unpredictable name with mode 0700.
        Root = Directory.CreateTempSubdirectory("toolchain-agent-").FullName;
    }

    public string Root { get; }

    /// <summary>
    /// A place for one upload named <paramref name="fileName"/> (reduced to a safe file name ending in .onnx, because the
    /// loader chooses ONNX by the extension and its messages name the file: the user sees their own file's name).
    /// </summary>
    public UploadedModel Reserve(string? fileName)
    {
        var directory = Path.Combine(Root, Guid.NewGuid().ToString("N"));
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
        else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new UploadedModel(directory, SafeName(fileName));
    }

    /// <summary>Keeps letters, digits, '.', '-' and '_' of the last path segment; never a path, never hidden, always *.onnx.</summary>
    public static string SafeName(string? fileName) => SafeName(fileName, ".onnx");

    /// <summary>As <see cref="SafeName(string?)"/>, keeping any of <paramref name="extensions"/> (else adding the first).</summary>
    public static string SafeName(string? fileName, params string[] extensions)
    {
        var name = Path.GetFileName((fileName ?? "").Replace('\\', '/').Split('/').Last());
        var safe = new StringBuilder();
        foreach (var c in name) safe.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        var result = safe.ToString().TrimStart('.');
        if (result.Length == 0) result = "model";
        if (result.Length > 100) result = result[..100];
        return extensions.Any(e => result.EndsWith(e, StringComparison.OrdinalIgnoreCase)) ? result : result + extensions[0];
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A job's engine may still hold a file open while the process ends; the OS cleans /tmp.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
