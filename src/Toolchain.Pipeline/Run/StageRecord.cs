using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Toolchain.Torch.Serialization;

namespace Toolchain.Pipeline;

/// <summary>
/// What a finished stage leaves in <c>RUN/stages/NAME.json</c>: a hash of its inputs (the content of the files it read
/// and the settings that shape its output) and its result. A rerun reuses the stage when the hash still matches and its
/// outputs exist; anything else runs it again. Written atomically, after the stage's outputs.
/// </summary>
internal static class StageRecord
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The inputs' hash: SHA-256 over the settings text and the content of every file (in the order given).</summary>
    public static string Hash(string settings, params string[] files)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(settings));
        foreach (var file in files)
        {
            sha.AppendData(Encoding.UTF8.GetBytes($"\n{Path.GetFileName(file)}\n"));
            using var stream = File.OpenRead(file);
            var buffer = new byte[1 << 20];
            int read;
            while ((read = stream.Read(buffer)) > 0) sha.AppendData(buffer, 0, read);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>The stored result when the record exists, its hash is <paramref name="inputs"/> and every output exists; else default.</summary>
    public static T? Reuse<T>(string folder, string stage, string inputs, params string[] outputs)
    {
        var path = PathOf(folder, stage);
        if (!File.Exists(path) || outputs.Any(o => !File.Exists(o))) return default;
        try
        {
            var record = JsonSerializer.Deserialize<Record<T>>(File.ReadAllText(path), Json);
            return record is not null && record.Inputs == inputs ? record.Result : default;
        }
        catch (JsonException)
        {
            return default; // a record from another version of the tool: run the stage again
        }
    }

    public static void Write<T>(string folder, string stage, string inputs, T result)
    {
        var path = PathOf(folder, stage);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(new Record<T>(inputs, result), Json));
    }

    private static string PathOf(string folder, string stage) => Path.Combine(folder, "stages", stage + ".json");

    private sealed record Record<T>(string Inputs, T Result);
}
