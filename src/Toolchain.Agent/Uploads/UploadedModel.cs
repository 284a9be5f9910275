namespace Toolchain.Agent.Uploads;

/// <summary>One upload's private folder and file; deleted when its job ends, whichever way.</summary>
public sealed class UploadedModel(string directory, string fileName) : IDisposable
{
    public string Directory { get; } = directory;

    public string FileName { get; } = fileName;

    public string Path { get; } = System.IO.Path.Combine(directory, fileName);

    /// <summary>Opens the file for writing, readable by the agent's user only.</summary>
    public FileStream Create() => Create(Path);

    /// <summary>Another file of the same upload, in its folder (<paramref name="fileName"/> is a safe name).</summary>
    public string PathOf(string fileName) => System.IO.Path.Combine(Directory, fileName);

    /// <summary>Opens <paramref name="path"/> (<see cref="PathOf"/>) for writing, readable by the agent's user only.</summary>
    public static FileStream Create(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 16 };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return new FileStream(path, options);
    }

    /// <summary>A message with the private folder taken out, so errors name the user's file as they uploaded it.</summary>
    public string Redact(string message) => message.Replace(Directory + System.IO.Path.DirectorySeparatorChar, "", StringComparison.Ordinal).Replace(Directory, "", StringComparison.Ordinal);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
            // Removed with the agent's folder at the latest.
        }
    }
}
