using System.Diagnostics;
using System.Text;

namespace Toolchain.Torch.Serialization;

/// <summary>
/// The one way every output file is written (checkpoints, ONNX models, profiles, trails, reports, .npy): into a
/// temporary file beside the target, flushed to disk, then renamed over it. A reader — or a rerun after a crash, a
/// full disk or a <c>kill -9</c> — sees the old file or the new one, never half of one. Temporary files are named
/// <c>.{file}.{pid}.{random}.partial</c>, so a writer recognises the leftovers of a killed process (its pid is gone)
/// and removes them the next time the same file is written. It lives in the lowest layer so every project can use it.
/// </summary>
public static class AtomicFile
{
    /// <summary>The suffix of temporary files; nothing else the toolchain writes ends with it.</summary>
    public const string PartialSuffix = ".partial";

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist and <paramref name="createFolder"/> is false.</exception>
    /// <exception cref="IOException">The file cannot be written (the message names it and why); the old file is unchanged.</exception>
    public static void WriteAllBytes(string path, byte[] bytes, bool createFolder = false)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Write(path, stream => stream.Write(bytes), createFolder);
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte order mark) to <paramref name="path"/> atomically.</summary>
    /// <inheritdoc cref="WriteAllBytes(string, byte[], bool)"/>
    public static void WriteAllText(string path, string text, bool createFolder = false) =>
        WriteAllBytes(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text), createFolder);

    /// <summary>Streams the file's contents through <paramref name="write"/>, for outputs too large to hold as one array.</summary>
    /// <inheritdoc cref="WriteAllBytes(string, byte[], bool)"/>
    public static void Write(string path, Action<Stream> write, bool createFolder = false)
    {
        ArgumentNullException.ThrowIfNull(write);
        var temporary = Begin(path, createFolder, out var full);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write '{full}': {e.Message}", e);
        }
        finally
        {
            Discard(temporary); // after a failure; after the rename there is nothing left to delete
        }
    }

    /// <summary>
    /// Removes temporary files of <paramref name="path"/> left by processes that no longer run (a killed writer);
    /// returns how many. Those of live processes — another writer of the same file right now — are left alone.
    /// </summary>
    public static int RemoveStale(string path)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full);
        if (folder is null || !Directory.Exists(folder)) return 0;
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(folder, $".{Path.GetFileName(full)}.*{PartialSuffix}"))
        {
            if (WriterPid(file) is not { } pid || IsRunning(pid)) continue;
            try
            {
                File.Delete(file);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not ours to remove (another user's, a read-only folder): the write itself still works or says why.
            }
        }

        return removed;
    }

    /// <summary>Checks the target and cleans up before a write; returns the temporary file's path.</summary>
    private static string Begin(string path, bool createFolder, out string full)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new IOException($"cannot write '{full}': it is a folder");
        var folder = Path.GetDirectoryName(full) ?? throw new IOException($"cannot write '{full}': it is not a file path");
        if (createFolder)
        {
            Directory.CreateDirectory(folder);
        }
        else if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"cannot write '{full}': folder '{folder}' does not exist");
        }

        RemoveStale(full);
        return Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Random.Shared.Next():x8}{PartialSuffix}");
    }

    /// <summary>Deletes the temporary file if it is still there (after a successful rename it is not).</summary>
    private static void Discard(string temporary)
    {
        try
        {
            File.Delete(temporary);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The failure being reported matters more; the next write of this file removes the leftover.
        }
    }

    /// <summary>The pid in ".{file}.{pid}.{random}.partial", or null for a name of another shape.</summary>
    private static int? WriterPid(string temporary)
    {
        var name = Path.GetFileName(temporary)[..^PartialSuffix.Length];
        var parts = name.Split('.');
        return parts.Length >= 3 && int.TryParse(parts[^2], out var pid) ? pid : null;
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
