namespace Toolchain.Profiling;

/// <summary>
/// Where profiles live: the repository's <c>profiles/</c> folder, named <c>{engine}-{cores}core-b{batch}.json</c>.
/// The folder is found from the working directory upwards, then from the program's own folder upwards (the CLI
/// runs from build/cli inside the repository).
/// </summary>
public static class ProfileLocator
{
    public const string FolderName = "profiles";

    /// <summary>The file name of a profile for this engine, core count and batch, e.g. ort-cpu-2core-b1.json.</summary>
    public static string FileName(string engine, int cores, int batch) => $"{engine}-{cores}core-b{batch}.json";

    /// <summary>The nearest existing profiles folder, or null.</summary>
    public static string? FindFolder()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, FolderName);
                if (Directory.Exists(candidate)) return candidate;
            }
        }

        return null;
    }

    /// <summary>Where a new profile for this machine goes by default: the found profiles folder, else ./profiles.</summary>
    public static string DefaultOutput(string engine, int batch) =>
        Path.Combine(FindFolder() ?? Path.Combine(Directory.GetCurrentDirectory(), FolderName), FileName(engine, Environment.ProcessorCount, batch));

    /// <summary>
    /// The profile to use when none is named: the one for this machine's core count, else another one for the same
    /// engine and batch (measured elsewhere: the caller warns), else null. <paramref name="searched"/> says where it looked.
    /// </summary>
    public static string? FindDefault(string engine, int batch, out string searched)
    {
        var folder = FindFolder();
        if (folder is null)
        {
            searched = $"no '{FolderName}' folder above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}";
            return null;
        }

        var exact = Path.Combine(folder, FileName(engine, Environment.ProcessorCount, batch));
        searched = $"{exact} (or another {engine}-*-b{batch}.json in {folder})";
        if (File.Exists(exact)) return exact;
        return Directory.EnumerateFiles(folder, $"{engine}-*core-b{batch}.json").Order(StringComparer.Ordinal).FirstOrDefault();
    }
}
