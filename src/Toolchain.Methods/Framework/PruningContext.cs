using System.Text.Json.Nodes;
using Toolchain.Graph;
using Toolchain.Pruning;
using Toolchain.Training;

namespace Toolchain.Methods;

/// <summary>
/// What a pruning method gets: the graph (trained, or fresh for a from-scratch run) and its channel groups, the
/// data, the budgets (resolved, so they can be met), every cost to report, the pruning phase's epochs and training
/// recipe, the seed, and the trail it records into. Its helpers are the pieces methods share: a trainer, width
/// allocation by importance under (possibly annealed) budgets, and trail entries.
/// </summary>
public sealed class PruningContext
{
    public required ModelGraph Graph { get; init; }

    public required string ModelName { get; init; }

    public required ChannelGroups Groups { get; init; }

    /// <summary>The training and test data; null when nothing trains (one-shot selection without fine-tuning).</summary>
    public DataSource? Data { get; init; }

    public required BudgetSet Budgets { get; init; }

    /// <summary>
    /// Unstructured runs: how many conv and linear weights stay (then <see cref="Budgets"/> is unconstrained and every
    /// width stays full); null for structured runs, which prune channels under <see cref="Budgets"/>.
    /// </summary>
    public WeightBudget? WeightBudget { get; init; }

    /// <summary>What the run removes: channels, or single weights when <see cref="WeightBudget"/> is set.</summary>
    public Sparsity Sparsity => WeightBudget is null ? Sparsity.Structured : Sparsity.Unstructured;

    /// <summary>Costs to report by name (params, macs and, with a profile, latency); budgets use some of them.</summary>
    public required IReadOnlyDictionary<string, ICostModel> Costs { get; init; }

    /// <summary>Epochs of the pruning phase (training with masks and the method's terms); one-shot methods use none.</summary>
    public required int Epochs { get; init; }

    /// <summary>The pruning phase's training recipe (its Epochs are <see cref="Epochs"/>).</summary>
    public required TrainingOptions Training { get; init; }

    public required Trail Trail { get; init; }

    public AllocationOptions Allocation { get; init; } = new();

    public int Seed { get; init; }

    /// <summary>Called after every trail entry (a progress line per epoch).</summary>
    public Action<TrailEntry>? OnEntry { get; init; }

    /// <summary>Called with a method's notes for the user (which trail point it picked, say).</summary>
    public Action<string>? OnNote { get; init; }

    /// <summary>Passes a note to <see cref="OnNote"/> (methods say what a user should know about their choice).</summary>
    public void Note(string message) => OnNote?.Invoke(message);

    /// <summary>Called with each trainer the run creates, before it trains (progress bars attach here).</summary>
    public Action<Trainer>? OnTrainer { get; init; }

    public CancellationToken Cancellation { get; init; }

    /// <summary>
    /// Where the run checkpoints after every epoch, and what an interrupted run left there (null: no checkpoints).
    /// When it resumes in fine-tuning, <see cref="Graph"/> is the compacted graph from the checkpoint while
    /// <see cref="Groups"/> stay the full model's, whose widths the budgets and the trail count in.
    /// </summary>
    public PruningCheckpoint? Checkpoint { get; init; }

    /// <summary>The method state the interrupted run saved in its pruning phase; null when not resuming one.</summary>
    public JsonNode? ResumedMethodState => Checkpoint?.Resumed is { Phase: PruningPhase.Prune } resumed ? resumed.MethodState : null;

    /// <summary>
    /// The pruning phase's epochs on <paramref name="trainer"/> (created by <see cref="CreateTrainer"/>, the method's
    /// hooks added): after each epoch, once the method's hooks ran, the trail records <paramref name="widths"/> and the
    /// checkpoint is written with <paramref name="state"/>'s state. Resuming, the trainer and the state continue
    /// from the checkpoint before this returns; a phase the interrupted run had finished runs no epoch.
    /// </summary>
    /// <param name="weightsKept">Unstructured runs: the weights the current hard mask keeps, for the trail.</param>
    public IEnumerable<EpochReport> Train(Trainer trainer, Func<EpochReport, IReadOnlyList<int>> widths, IMethodState? state = null, Func<long>? weightsKept = null)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentNullException.ThrowIfNull(widths);
        var finished = Checkpoint?.Completed(PruningPhase.Prune, trainer.Options.Epochs) == true;
        if (Checkpoint?.ResumeTrainer(trainer, PruningPhase.Prune) == true && state is not null)
        {
            state.Restore(ResumedMethodState ?? throw new InvalidDataException($"'{Checkpoint.Path}' has no state of the method to resume"));
        }

        if (finished) return [];
        trainer.Hooks.Add(new RecordEpoch(this, "prune", widths, weightsKept));
        trainer.CheckpointMetadata = () => CheckpointMetadata(new PruningCheckpointState
        {
            Phase = PruningPhase.Prune, Fingerprint = Checkpoint!.Fingerprint, MethodState = state?.Save(), Trail = Trail.Entries.ToList(),
        });
        return trainer.Run(Checkpoint?.Path, Cancellation);
    }

    internal static IReadOnlyDictionary<string, string> CheckpointMetadata(PruningCheckpointState state) =>
        new Dictionary<string, string> { [PruningCheckpointState.MetadataKey] = state.ToJson() };

    /// <summary>Records an epoch in the trail after the method's own hooks, so the checkpoint written next includes it.</summary>
    internal sealed class RecordEpoch(PruningContext context, string phase, Func<EpochReport, IReadOnlyList<int>> widths, Func<long>? weightsKept = null) : ITrainingHook
    {
        public void AfterEpoch(EpochReport report) => context.Record(phase, report.Epoch, widths(report), report, weightsKept?.Invoke());
    }

    /// <summary>A trainer for the pruning phase (or <paramref name="options"/>), handed to <see cref="OnTrainer"/>.</summary>
    public Trainer CreateTrainer(TrainingOptions? options = null,
        Func<IReadOnlyList<Torch.Parameter>, TrainingOptions, Torch.Optim.Optimizer>? optimizerFactory = null,
        Func<long, long, Torch.Optim.ILearningRateSchedule>? scheduleFactory = null)
    {
        var data = Data ?? throw new ArgumentException("this pruning run trains (a training method or fine-tuning) but has no data; give --data");
        var trainer = new Trainer(Graph, ModelName, data, options ?? Training with { Epochs = Epochs }, optimizerFactory, scheduleFactory);
        OnTrainer?.Invoke(trainer);
        return trainer;
    }

    /// <summary>
    /// Every prunable group's channel scores under <paramref name="importance"/>, from the current weights, scaled so
    /// that a group's mean score is the number of layers producing its channels. Criteria run on different scales in
    /// different layers, so raw scores do not compare across groups; but a channel that several convs produce (a
    /// residual stream) is worth its members together. Scaled to mean 1 instead, cost-aware removal empties residual
    /// streams first, as they save the most per channel (ResNet-20's stage-1 stream went to 1 channel and accuracy to chance).
    /// </summary>
    public Dictionary<int, double[]> Scores(IChannelImportance importance) => Groups.Prunable.ToDictionary(g => g.Id, g =>
    {
        var scores = importance.Score(Groups, g);
        var mean = scores.Average(Math.Abs);
        var scale = Math.Max(1, g.Producers.Count) / mean;
        return mean > 0 ? scores.Select(s => s * scale).ToArray() : scores;
    });

    /// <summary>Widths and masks by <paramref name="importance"/> (<see cref="Scores"/>) under <paramref name="budgets"/> (default: the run's).</summary>
    public AllocationResult Allocate(IChannelImportance importance, BudgetSet? budgets = null, AllocationOptions? options = null) =>
        WidthAllocator.Allocate(Groups, Scores(importance), budgets ?? Budgets, (options ?? Allocation) with { NormalizeScoresPerGroup = false });

    /// <summary>
    /// The run's budgets with each limit moved to <paramref name="limitOf"/>(budget) — an annealed budget such as FSA's
    /// B_e — resolved like the originals (so never below what one channel per group costs).
    /// </summary>
    public BudgetSet BudgetsWithLimits(Func<Budget, double> limitOf) => BudgetSet.Resolve(Groups,
        Budgets.Budgets.Select(b => new BudgetSpec(b.Spec.Cost, Math.Max(limitOf(b), b.Minimum), IsFraction: false)).ToList(),
        name => Budgets.Budgets.FirstOrDefault(b => b.Spec.Cost == name)?.Cost, Budgets.RoundTo);

    /// <summary>
    /// One global threshold on the BatchNorm scales |γ| (raw, summed over coupled BatchNorms): channels in ascending
    /// |γ| go until every budget holds, at least one per group — network slimming's cut and SWD's mask.
    /// </summary>
    public GroupMasks GammaThreshold()
    {
        var scales = new BatchNormScale();
        var scores = Groups.Prunable.ToDictionary(g => g.Id, g => scales.Score(Groups, g));
        return WidthAllocator.Allocate(Groups, scores, Budgets, Allocation with { NormalizeScoresPerGroup = false, CostAware = false, ShareOfKept = false }).Masks;
    }

    /// <summary>Every reported cost at <paramref name="widths"/>, by name.</summary>
    public Dictionary<string, double> CostsAt(IReadOnlyList<int> widths) => Costs.ToDictionary(c => c.Key, c => c.Value.Total(widths));

    /// <summary>Adds a trail entry for <paramref name="widths"/> measured by <paramref name="evaluation"/> outside an epoch (right after the cut, say).</summary>
    public TrailEntry Record(string phase, int epoch, IReadOnlyList<int> widths, EvaluationResult evaluation, long? weightsKept = null) => Add(new TrailEntry
    {
        Phase = phase, Epoch = epoch, Widths = widths.ToArray(), Costs = CostsAt(widths), TestTop1 = evaluation.Top1, TestTop5 = evaluation.Top5,
        BudgetsMet = BudgetsMetBy(widths, weightsKept), WeightsKept = weightsKept,
    });

    /// <summary>Adds a trail entry for <paramref name="widths"/> after an epoch (with its report, when it trained).</summary>
    /// <param name="weightsKept">Unstructured runs: the weights the hard mask keeps then.</param>
    public TrailEntry Record(string phase, int epoch, IReadOnlyList<int> widths, EpochReport? report, long? weightsKept = null)
    {
        var entry = new TrailEntry
        {
            Phase = phase,
            Epoch = epoch,
            Widths = widths.ToArray(),
            Costs = CostsAt(widths),
            TrainLoss = report?.TrainLoss,
            TestTop1 = report?.TestTop1,
            TestTop5 = report?.TestTop5,
            BudgetsMet = BudgetsMetBy(widths, weightsKept),
            WeightsKept = weightsKept,
        };
        return Add(entry);
    }

    /// <summary>Structured: every budget at the widths; unstructured: no more weights kept than the budget's count (unknown: not met).</summary>
    private bool BudgetsMetBy(IReadOnlyList<int> widths, long? weightsKept) =>
        WeightBudget is { } weights ? weightsKept is { } kept && kept <= weights.Keep : Budgets.AllMetBy(widths);

    private TrailEntry Add(TrailEntry entry)
    {
        Trail.Add(entry);
        OnEntry?.Invoke(entry);
        return entry;
    }
}
