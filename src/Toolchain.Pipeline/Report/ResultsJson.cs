using System.Text.Json;
using System.Text.Json.Serialization;
using Toolchain.Torch.Serialization;

namespace Toolchain.Pipeline.Report;

/// <summary>
/// Writes and reads <c>results.json</c>: a <see cref="RunReport"/> as camelCase JSON that follows
/// <see cref="Schema"/> (JSON Schema draft 2020-12, embedded from Report/results.schema.json). Every property is written,
/// nulls included, so a reader can tell "not measured" from "field forgotten".
/// </summary>
public static class ResultsJson
{
    /// <summary>The usual file name inside a run folder.</summary>
    public const string FileName = "results.json";

    // Relaxed escaping keeps names such as "conv1 (+3 coupled)" and "Δ" readable; the file is never embedded in HTML raw.
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // NaN or infinity in a report is a bug upstream; failing here beats writing a file no JSON parser reads.
        NumberHandling = JsonNumberHandling.Strict,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    private static readonly Lazy<string> SchemaText = new(() =>
    {
        using var stream = typeof(ResultsJson).Assembly.GetManifestResourceStream(SchemaResource)
                           ?? throw new InvalidOperationException($"the embedded resource {SchemaResource} is missing from {typeof(ResultsJson).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    private const string SchemaResource = "Toolchain.Pipeline.Report.results.schema.json";

    /// <summary>The JSON Schema (draft 2020-12) every results.json of <see cref="RunReport.CurrentSchemaVersion"/> validates against.</summary>
    public static string Schema => SchemaText.Value;

    public static string Serialize(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return JsonSerializer.Serialize(report, Options);
    }

    /// <summary>Writes <paramref name="report"/> to <paramref name="path"/> through a temporary file in the same folder, so a reader never sees half a file.</summary>
    public static void Write(RunReport report, string path)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.WriteAllText(path, Serialize(report));
    }

    /// <summary>Reads a results.json; refuses one written by a newer schema version instead of misreading it.</summary>
    public static RunReport Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"results file '{path}' does not exist", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses results.json text; <paramref name="source"/> names it in errors.</summary>
    public static RunReport Parse(string json, string source = "results.json")
    {
        int version;
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("schemaVersion", out var versionElement) ||
                !versionElement.TryGetInt32(out version))
            {
                throw new InvalidDataException($"{source}: no integer 'schemaVersion' at the top level; not a results.json written by toolchain");
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message})", e);
        }

        if (version > RunReport.CurrentSchemaVersion)
        {
            throw new InvalidDataException(
                $"{source}: schema version {version} is newer than this toolchain reads ({RunReport.CurrentSchemaVersion}); use a toolchain at least as new as the one that wrote it");
        }

        if (version < 1) throw new InvalidDataException($"{source}: schema version {version} is not a version toolchain ever wrote");

        try
        {
            return JsonSerializer.Deserialize<RunReport>(json, Options) ?? throw new InvalidDataException($"{source}: empty results file");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: does not match results schema version {version} ({e.Message})", e);
        }
    }
}
