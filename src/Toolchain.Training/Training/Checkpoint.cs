using System.Text.Json;
using Toolchain.Graph;
using Toolchain.Torch;
using Toolchain.Torch.Optim;
using Toolchain.Training.Data;

namespace Toolchain.Training;

/// <summary>
/// A training checkpoint: one graph file (<see cref="GraphFile"/>: structure + weights, so a pruned graph reloads
/// at its size) plus the optimizer's buffers as extra tensors and the training state as metadata. Enough to
/// resume an interrupted run exactly where the last finished epoch left it.
/// </summary>
public static class Checkpoint
{
    public const string StateKey = "toolchain.training";
    private const string OptimizerPrefix = "optimizer/";

    /// <summary>What a checkpoint records besides weights.</summary>
    public sealed record State(
        string Model,
        string Data,
        int EpochsCompleted,
        long OptimizerSteps,
        TrainingOptions Options,
        Normalization Normalization,
        IReadOnlyList<EpochReport> History);

    /// <param name="metadata">More metadata to keep in the same file (a pruning run's state, say), written atomically with the weights.</param>
    public static void Save(string path, ModelGraph graph, Optimizer? optimizer, State state, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var extras = optimizer?.ExportState().ToDictionary(e => OptimizerPrefix + e.Key, e => e.Value) ?? [];
        var all = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()) { [StateKey] = JsonSerializer.Serialize(StateDto.From(state)) };
        GraphFile.Save(graph, path, extras, all);
    }

    /// <summary>Loads the graph, its training state (null for a plain graph file) and the optimizer buffers.</summary>
    public static (LoadedGraphFile File, State? State, IReadOnlyDictionary<string, Tensor> OptimizerState) Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint '{path}' does not exist", path);
        var file = GraphFile.Load(path);
        State? state = null;
        if (file.Metadata.TryGetValue(StateKey, out var json))
        {
            try
            {
                state = JsonSerializer.Deserialize<StateDto>(json)?.ToState();
            }
            catch (JsonException e)
            {
                file.Dispose();
                throw new InvalidDataException($"checkpoint '{path}': training state is not valid ({e.Message})", e);
            }
        }

        var optimizer = file.ExtraTensors.Where(e => e.Key.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
            .ToDictionary(e => e.Key[OptimizerPrefix.Length..], e => e.Value);
        return (file, state, optimizer);
    }

    // Normalization is not a plain record of arrays; store its numbers explicitly.
    private sealed record StateDto(string Model, string Data, int EpochsCompleted, long OptimizerSteps, TrainingOptions Options,
        float[] Mean, float[] Std, EpochReport[] History)
    {
        public static StateDto From(State s) => new(s.Model, s.Data, s.EpochsCompleted, s.OptimizerSteps, s.Options,
            s.Normalization.Mean.ToArray(), s.Normalization.Std.ToArray(), s.History.ToArray());

        public State ToState() => new(Model, Data, EpochsCompleted, OptimizerSteps, Options, new Normalization(Mean, Std), History);
    }
}
