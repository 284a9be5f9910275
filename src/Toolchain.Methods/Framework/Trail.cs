using System.Text.Json;
using Toolchain.Torch.Serialization;

namespace Toolchain.Methods;

/// <summary>
/// The trail of a pruning run: every epoch's <see cref="TrailEntry"/>, written as JSON after each entry (to a temporary
/// file renamed over the old one, so an interrupted run leaves the last complete trail, never a half-written one).
/// </summary>
public sealed class Trail
{
    // Relaxed escaping keeps group names such as "conv1 (+3 coupled)" readable in the file.
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
    private readonly List<TrailEntry> _entries = [];

    public Trail(string model, string method, IReadOnlyList<string> groupNames, IReadOnlyList<string> budgets, string? path = null)
    {
        Model = model;
        Method = method;
        GroupNames = groupNames;
        Budgets = budgets;
        Path = path;
    }

    public string Model { get; }

    public string Method { get; }

    /// <summary>The channel groups' names, in the order of every entry's widths.</summary>
    public IReadOnlyList<string> GroupNames { get; }

    /// <summary>The budgets as the user gave them, e.g. "latency=50%".</summary>
    public IReadOnlyList<string> Budgets { get; }

    /// <summary>Where the trail is written after each entry, or null to keep it in memory only.</summary>
    public string? Path { get; }

    public IReadOnlyList<TrailEntry> Entries => _entries;

    public void Add(TrailEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Widths.Count != GroupNames.Count)
        {
            throw new ArgumentException($"a trail entry has {entry.Widths.Count} widths but the model has {GroupNames.Count} channel groups", nameof(entry));
        }

        _entries.Add(entry);
        if (Path is not null) Save(Path);
    }

    /// <summary>Continues a trail read back by <see cref="Load"/> (a resumed run).</summary>
    /// <summary>Replaces the entries with an interrupted run's (from its checkpoint) and saves them.</summary>
    public void Restore(IEnumerable<TrailEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries.Clear();
        _entries.AddRange(entries);
        if (Path is not null) Save(Path);
    }

    public void AddRange(IEnumerable<TrailEntry> entries)
    {
        foreach (var entry in entries) _entries.Add(entry);
    }

    public void Save(string path)
    {
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new Document(Model, Method, GroupNames, Budgets, _entries), Json), createFolder: true);
    }

    /// <summary>Reads a trail written by <see cref="Save"/>.</summary>
    public static Trail Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"trail file '{path}' does not exist", path);
        Document document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(File.ReadAllText(path), Json)
                       ?? throw new InvalidDataException($"{path}: empty trail file");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a trail file ({e.Message})", e);
        }

        var trail = new Trail(document.Model, document.Method, document.GroupNames, document.Budgets, path);
        trail.AddRange(document.Entries);
        return trail;
    }

    private sealed record Document(string Model, string Method, IReadOnlyList<string> GroupNames, IReadOnlyList<string> Budgets, IReadOnlyList<TrailEntry> Entries);
}
