using System.Diagnostics;
using Toolchain.Graph;
using Toolchain.Torch;
using Toolchain.Torch.Optim;
using Toolchain.Training.Data;
using F = Toolchain.Torch.Functional;

namespace Toolchain.Training;

/// <summary>
/// Trains a graph — by default with SGD (momentum, weight decay, label smoothing) under a warm-up + cosine schedule —, evaluates
/// after every epoch, and writes a checkpoint after every epoch so an interrupted run resumes without loss.
/// Batch order and augmentation depend only on (seed, epoch), so a resumed run sees the same batches.
/// Pruning methods plug in through <see cref="Hooks"/> (extra losses, work after each step and epoch),
/// <see cref="Optimizer"/>'s gradient terms, and the constructor's optimizer and schedule factories.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly ModelGraph _graph;
    private readonly ImageDataset _train;
    private readonly ImageDataset _test;
    private readonly BatchLoader _loader;
    private readonly List<EpochReport> _history = [];

    /// <param name="optimizerFactory">
    /// Builds the optimizer from the graph's parameters (default <see cref="DefaultOptimizer"/>: the options' SGD). The
    /// trainer owns and disposes what it returns.
    /// </param>
    /// <param name="scheduleFactory">
    /// Builds the learning-rate schedule, stepped per iteration, from (total steps of the run, warm-up steps the options
    /// ask for) (default <see cref="DefaultSchedule"/>: warm-up + cosine; <c>(_, _) => new ConstantSchedule()</c> keeps
    /// the base rate).
    /// </param>
    public Trainer(ModelGraph graph, string modelName, DataSource data, TrainingOptions options,
        Func<IReadOnlyList<Parameter>, TrainingOptions, Optimizer>? optimizerFactory = null,
        Func<long, long, ILearningRateSchedule>? scheduleFactory = null)
    {
        options.Validate();
        _graph = graph;
        ModelName = modelName;
        Data = data;
        Options = options;
        _train = data.Train;
        _test = data.Test;
        var classes = graph.OutputShape[^1];
        if (classes < data.NumClasses)
        {
            throw new ArgumentException($"model '{modelName}' outputs {classes} classes but data '{data.Name}' has {data.NumClasses}; " +
                                        $"create the model with {data.NumClasses} classes");
        }

        if (!graph.InputShape.AsSpan(1).SequenceEqual(data.InputShape.AsSpan(1)))
        {
            throw new ArgumentException($"model '{modelName}' takes {string.Join("x", graph.InputShape[1..])} inputs but data '{data.Name}' has " +
                                        $"{data.Train.Shape} images; create the model for this data (a zoo name does so by itself)");
        }

        _loader = new BatchLoader(_train, ImageAugmentation.Training(data.Normalization),
            new BatchLoaderOptions(options.BatchSize, Shuffle: true, DropLast: true, Seed: options.Seed));
        if (_loader.BatchesPerEpoch == 0)
        {
            throw new ArgumentException($"data '{data.Name}' has {_train.Count} training images, fewer than one batch of {options.BatchSize}");
        }

        var total = (long)options.Epochs * _loader.BatchesPerEpoch;
        var warmup = (long)Math.Round(options.WarmupEpochs * _loader.BatchesPerEpoch);
        try
        {
            Schedule = (scheduleFactory ?? DefaultSchedule)(total, warmup);
            Optimizer = (optimizerFactory ?? DefaultOptimizer)(graph.Parameters, options);
        }
        catch
        {
            _loader.Dispose();
            throw;
        }
    }

    /// <summary>The recipe's optimizer: SGD with the options' rate, momentum, weight decay and Nesterov flag.</summary>
    public static Optimizer DefaultOptimizer(IReadOnlyList<Parameter> parameters, TrainingOptions options) =>
        new Sgd(parameters, options.LearningRate, options.Momentum, options.WeightDecay, options.Nesterov);

    /// <summary>The recipe's schedule: linear warm-up from 10 %, then a half-cosine to 0 over the remaining steps.</summary>
    public static ILearningRateSchedule DefaultSchedule(long totalSteps, long warmupSteps) =>
        new WarmupSchedule(warmupSteps, new CosineSchedule(Math.Max(1, totalSteps - warmupSteps)));

    /// <summary>Updates the graph's parameters; methods add <see cref="Optimizer.GradientTerms"/> to it.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The learning-rate factor per optimizer step (<see cref="Optimizer.StepCount"/> before the step).</summary>
    public ILearningRateSchedule Schedule { get; }

    /// <summary>Called in list order during every batch and after every epoch (see <see cref="ITrainingHook"/>).</summary>
    public IList<ITrainingHook> Hooks { get; } = new List<ITrainingHook>();

    public string ModelName { get; }

    public DataSource Data { get; }

    public TrainingOptions Options { get; }

    /// <summary>Epochs already done (after <see cref="Resume"/>).</summary>
    public int EpochsCompleted { get; private set; }

    public IReadOnlyList<EpochReport> History => _history;

    public int BatchesPerEpoch => _loader.BatchesPerEpoch;

    /// <summary>Receives a report after every batch (set it between epochs to move it to a new progress bar).</summary>
    public IProgress<BatchProgress>? Progress { get; set; }

    /// <summary>
    /// Continues from a checkpoint's optimizer state and history. Construct the trainer with the optimizer and schedule
    /// factories and the hooks of the interrupted run.
    /// </summary>
    public void Resume(Checkpoint.State state, IReadOnlyDictionary<string, Tensor> optimizerState)
    {
        if (state.EpochsCompleted >= Options.Epochs)
        {
            throw new ArgumentException($"the checkpoint already completed {state.EpochsCompleted} of {Options.Epochs} epochs; nothing to resume");
        }

        Optimizer.ImportState(optimizerState, state.OptimizerSteps);
        EpochsCompleted = state.EpochsCompleted;
        _history.Clear();
        _history.AddRange(state.History);
    }

    /// <summary>
    /// Runs the remaining epochs, yielding each epoch's report after its checkpoint (when
    /// <paramref name="checkpointPath"/> is given) is safely on disk.
    /// </summary>
    public IEnumerable<EpochReport> Run(string? checkpointPath = null, CancellationToken cancellation = default)
    {
        for (var epoch = EpochsCompleted; epoch < Options.Epochs; epoch++)
        {
            var report = TrainEpoch(epoch, Progress, cancellation);
            _history.Add(report);
            EpochsCompleted = epoch + 1;
            foreach (var hook in Hooks)
            {
                using var scope = DisposeScope.Enter();
                hook.AfterEpoch(report);
            }

            if (checkpointPath is not null) SaveCheckpoint(checkpointPath);
            yield return report;
        }
    }

    public void SaveCheckpoint(string path) => Checkpoint.Save(path, _graph, Optimizer,
        new Checkpoint.State(ModelName, Data.Name, EpochsCompleted, Optimizer.StepCount, Options, Data.Normalization, _history), CheckpointMetadata?.Invoke());

    /// <summary>More metadata for every checkpoint, asked for when one is written (after the epoch's hooks ran).</summary>
    public Func<IReadOnlyDictionary<string, string>>? CheckpointMetadata { get; set; }

    /// <summary>Loss, top-1 and top-5 of the graph as it is now on the test set (eval mode, no gradients).</summary>
    public EvaluationResult Evaluate() => Evaluator.Evaluate(_graph, _test, Data.Normalization);

    private EpochReport TrainEpoch(int epoch, IProgress<BatchProgress>? progress, CancellationToken cancellation)
    {
        _graph.Training = true;
        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        long correct = 0, seen = 0;
        foreach (var batch in _loader.Epoch(epoch))
        {
            using var _ = batch;
            cancellation.ThrowIfCancellationRequested();
            var step = new TrainingStep(this, epoch + 1, batch.Index + 1, BatchesPerEpoch, Optimizer.StepCount + 1);
            (step, var hits) = TrainBatch(batch, step);
            var loss = step.Loss!.Value;
            correct += hits;
            lossSum += loss * batch.Count;
            seen += batch.Count;
            progress?.Report(new BatchProgress(step.Epoch, step.BatchInEpoch, BatchesPerEpoch, loss, seen / clock.Elapsed.TotalSeconds));
        }

        var trainSeconds = clock.Elapsed.TotalSeconds;
        var eval = Evaluate();
        return new EpochReport(epoch + 1, Options.Epochs, Optimizer.Groups[0].LearningRate, lossSum / seen, (double)correct / seen,
            eval.Loss, eval.Top1, eval.Top5, seen / trainSeconds, clock.Elapsed.TotalSeconds);
    }

    /// <summary>One optimizer step on one batch; returns the step with its losses, and how many images it classified right.</summary>
    private (TrainingStep Step, long Correct) TrainBatch(Batch batch, TrainingStep step)
    {
        Optimizer.SetLearningRateFactor(Schedule.Factor(Optimizer.StepCount));
        using var scope = DisposeScope.Enter();
        Optimizer.ZeroGrad();
        var logits = _graph.Forward(batch.Images);
        var crossEntropy = F.CrossEntropy(logits, batch.Labels, Options.LabelSmoothing);
        var extra = ExtraLoss(step, logits);
        (extra is null ? crossEntropy : crossEntropy + extra).Backward();
        foreach (var hook in Hooks) hook.AfterBackward(step);
        Optimizer.Step();
        step = step with { Loss = crossEntropy.Item(), ExtraLoss = extra?.Item() };
        if (!double.IsFinite(step.Loss.Value + (step.ExtraLoss ?? 0)))
        {
            var extraText = step.ExtraLoss is null ? "" : $" (+ {step.ExtraLoss} from hooks)";
            throw new InvalidOperationException($"training diverged: loss is {step.Loss}{extraText} at epoch {step.Epoch}, batch {step.BatchInEpoch}; " +
                                                $"lower the learning rate (now {Optimizer.Groups[0].BaseLearningRate})");
        }

        var correct = (long)logits.ArgMax(1).Eq(batch.Labels).To(DType.Float32).Sum().Item();
        foreach (var hook in Hooks) hook.AfterStep(step);
        return (step, correct);
    }

    /// <summary>The sum of the hooks' extra loss terms, or null when none returned one.</summary>
    private Tensor? ExtraLoss(TrainingStep step, Tensor logits)
    {
        Tensor? sum = null;
        foreach (var hook in Hooks)
        {
            var term = hook.ExtraLoss(step, logits);
            if (term is null) continue;
            if (term.NumElements != 1)
            {
                throw new InvalidOperationException($"training hook {hook.GetType().Name} returned an extra loss of shape " +
                                                    $"[{string.Join(", ", term.Shape)}]; an extra loss must be a scalar (reduce it, e.g. with Sum())");
            }

            sum = sum is null ? term : sum + term;
        }

        return sum;
    }

    public void Dispose()
    {
        _loader.Dispose();
        Optimizer.Dispose();
    }
}
