using System.Text.Json;
using System.Text.Json.Nodes;
using Toolchain.Graph;
using Toolchain.Pruning;
using Toolchain.Torch;
using Toolchain.Training;

namespace Toolchain.Methods;

/// <summary>The two phases of a pruning run a checkpoint can be in.</summary>
public enum PruningPhase
{
    /// <summary>The method trains with masks and terms on the full-size graph.</summary>
    Prune,

    /// <summary>The compacted graph is fine-tuned.</summary>
    FineTune,
}

/// <summary>
/// What a pruning run keeps in each epoch's checkpoint besides the weights and the trainer's state: the phase, the
/// command that started it (so a resume with other settings is refused), the method's own state, the masks or final
/// widths, the compaction's result and the trail so far — all in the checkpoint file's metadata, written atomically
/// with the weights, so the file never describes a state the weights are not in.
/// </summary>
public sealed record PruningCheckpointState
{
    public const string MetadataKey = "toolchain.pruning";

    public required PruningPhase Phase { get; init; }

    /// <summary>The run's settings as text; a resume must match it.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The method's state after the last completed epoch (<see cref="IMethodState"/>); null in fine-tuning.</summary>
    public JsonNode? MethodState { get; init; }

    /// <summary>In fine-tuning: the kept channels per group (the final masks).</summary>
    public bool[][]? Masks { get; init; }

    /// <summary>In fine-tuning: the compaction's verified result.</summary>
    public VerifiedCompaction? Compaction { get; init; }

    public required IReadOnlyList<TrailEntry> Trail { get; init; }

    private static readonly JsonSerializerOptions Json = new() { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static PruningCheckpointState FromJson(string json, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<PruningCheckpointState>(json, Json) ?? throw new InvalidDataException($"'{path}': empty pruning state");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}': the pruning state is not valid ({e.Message})", e);
        }
    }
}

/// <summary>
/// A pruning run's checkpoint file (replaced atomically after every epoch of either phase) and, when the run
/// resumes, what the interrupted run left in it. The caller loads the file (<see cref="Load"/>), builds the run on
/// the graph it holds, and hands this to <see cref="PruningContext.Checkpoint"/>; the trainers the run creates pick
/// the training state up once, for the phase it was saved in.
/// </summary>
public sealed class PruningCheckpoint : IDisposable
{
    private readonly LoadedGraphFile? _file;
    private bool _resumePending;

    /// <summary>A new run that checkpoints to <paramref name="path"/>.</summary>
    public PruningCheckpoint(string path, string fingerprint)
    {
        Path = path;
        Fingerprint = fingerprint;
    }

    private PruningCheckpoint(string path, string fingerprint, LoadedGraphFile file, Checkpoint.State training, IReadOnlyDictionary<string, Tensor> optimizer,
        PruningCheckpointState state)
        : this(path, fingerprint)
    {
        _file = file;
        Training = training;
        OptimizerState = optimizer;
        Resumed = state;
        _resumePending = true;
    }

    public string Path { get; }

    public string Fingerprint { get; }

    /// <summary>The state the interrupted run saved; null for a new run.</summary>
    public PruningCheckpointState? Resumed { get; }

    /// <summary>The graph the interrupted run saved (full size in pruning, compacted in fine-tuning); null for a new run. Owned by this.</summary>
    public ModelGraph? Graph => _file?.Graph;

    internal Checkpoint.State? Training { get; }

    internal IReadOnlyDictionary<string, Tensor>? OptimizerState { get; }

    /// <summary>
    /// Opens the checkpoint at <paramref name="path"/> to resume it: the run's <paramref name="fingerprint"/> must be
    /// the one it was started with. Missing file, another run's file or a damaged one: a clear error.
    /// </summary>
    public static PruningCheckpoint Load(string path, string fingerprint)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"there is no checkpoint to resume at '{path}' (it is written after each epoch of a run with the same --out, and removed when the run ends)", path);
        }

        var (file, training, optimizer) = Checkpoint.Load(path);
        try
        {
            if (training is null || !file.Metadata.TryGetValue(PruningCheckpointState.MetadataKey, out var json))
            {
                throw new InvalidDataException($"'{path}' is not a pruning run's checkpoint");
            }

            var state = PruningCheckpointState.FromJson(json, path);
            if (state.Fingerprint != fingerprint)
            {
                throw new ArgumentException($"'{path}' was written by another run ({state.Fingerprint}); this one is {fingerprint}. " +
                                            "Resume with the same settings, or start anew without --resume");
            }

            return new PruningCheckpoint(path, fingerprint, file, training, optimizer, state);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Hands <paramref name="trainer"/> the saved training state when the interrupted run was in
    /// <paramref name="phase"/> and it has not been handed on yet; true when it did. A phase whose epochs were all
    /// done resumes nothing (the trainer then runs no epoch).
    /// </summary>
    internal bool ResumeTrainer(Trainer trainer, PruningPhase phase)
    {
        if (!_resumePending || Resumed!.Phase != phase) return false;
        _resumePending = false;
        if (Training!.EpochsCompleted < trainer.Options.Epochs) trainer.Resume(Training, OptimizerState!);
        return true;
    }

    /// <summary>The epochs the interrupted run's phase had done.</summary>
    internal IReadOnlyList<EpochReport> TrainingHistory => Training?.History ?? [];

    /// <summary>Whether the interrupted run's <paramref name="phase"/> had every epoch done.</summary>
    internal bool Completed(PruningPhase phase, int epochs) => Resumed?.Phase == phase && Training!.EpochsCompleted >= epochs;

    /// <summary>Removes the file once the run's output is written.</summary>
    public void Delete()
    {
        if (File.Exists(Path)) File.Delete(Path);
    }

    public void Dispose() => _file?.Dispose();
}

/// <summary>
/// State a method keeps across the epochs of its pruning phase beyond weights and optimizer (masks, penalties,
/// stages), saved with every checkpoint so an interrupted run resumes where its last epoch ended.
/// </summary>
public interface IMethodState
{
    JsonNode Save();

    /// <summary>Restores what <see cref="Save"/> returned, before training resumes (masks are re-applied here).</summary>
    void Restore(JsonNode state);
}

/// <summary>Channel masks in a method's checkpoint state: per group (in id order) the kept flag of every channel.</summary>
public static class MaskState
{
    public static JsonArray Save(GroupMasks masks) =>
        new(masks.Groups.Groups.Select(g => (JsonNode?)new JsonArray(masks.Keep(g.Id).Select(k => (JsonNode?)k).ToArray())).ToArray());

    /// <summary>Sets <paramref name="masks"/> from what <see cref="Save"/> wrote, and returns them.</summary>
    public static GroupMasks Load(JsonNode saved, GroupMasks masks)
    {
        var keep = saved.AsArray();
        if (keep.Count != masks.Groups.Groups.Count) throw new InvalidDataException($"the checkpoint has masks for {keep.Count} channel groups, the model {masks.Groups.Groups.Count}");
        foreach (var group in masks.Groups.Groups) masks.Set(group.Id, keep[group.Id]!.AsArray().Select(k => k!.GetValue<bool>()).ToArray());
        return masks;
    }
}
