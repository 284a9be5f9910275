using System.Diagnostics;
using Toolchain.Graph;
using Toolchain.Torch;
using Toolchain.Torch.Optim;
using Toolchain.Training.Data;
using F = Toolchain.Torch.Functional;

namespace Toolchain.Training;

/// <summary>
/// Trains a graph with SGD (momentum, weight decay, label smoothing) under a warm-up + cosine schedule, evaluates
/// after every epoch, and writes a checkpoint after every epoch so an interrupted run resumes without loss.
/// Batch order and augmentation depend only on (seed, epoch), so a resumed run sees the same batches.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly ModelGraph _graph;
    private readonly ImageDataset _train;
    private readonly ImageDataset _test;
    private readonly BatchLoader _loader;
    private readonly Sgd _optimizer;
    private readonly ILearningRateSchedule _schedule;
    private readonly List<EpochReport> _history = [];

    public Trainer(ModelGraph graph, string modelName, DataSource data, TrainingOptions options)
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

        _optimizer = new Sgd(graph.Parameters, options.LearningRate, options.Momentum, options.WeightDecay, options.Nesterov);
        var total = (long)options.Epochs * _loader.BatchesPerEpoch;
        var warmup = (long)Math.Round(options.WarmupEpochs * _loader.BatchesPerEpoch);
        _schedule = new WarmupSchedule(warmup, new CosineSchedule(Math.Max(1, total - warmup)));
    }

    public string ModelName { get; }

    public DataSource Data { get; }

    public TrainingOptions Options { get; }

    /// <summary>Epochs already done (after <see cref="Resume"/>).</summary>
    public int EpochsCompleted { get; private set; }

    public IReadOnlyList<EpochReport> History => _history;

    public int BatchesPerEpoch => _loader.BatchesPerEpoch;

    /// <summary>Receives a report after every batch (set it between epochs to move it to a new progress bar).</summary>
    public IProgress<BatchProgress>? Progress { get; set; }

    /// <summary>Continues from a checkpoint's optimizer state and history.</summary>
    public void Resume(Checkpoint.State state, IReadOnlyDictionary<string, Tensor> optimizerState)
    {
        if (state.EpochsCompleted >= Options.Epochs)
        {
            throw new ArgumentException($"the checkpoint already completed {state.EpochsCompleted} of {Options.Epochs} epochs; nothing to resume");
        }

        _optimizer.ImportState(optimizerState, state.OptimizerSteps);
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
            if (checkpointPath is not null) SaveCheckpoint(checkpointPath);
            yield return report;
        }
    }

    public void SaveCheckpoint(string path) => Checkpoint.Save(path, _graph, _optimizer,
        new Checkpoint.State(ModelName, Data.Name, EpochsCompleted, _optimizer.StepCount, Options, Data.Normalization, _history));

    private EpochReport TrainEpoch(int epoch, IProgress<BatchProgress>? progress, CancellationToken cancellation)
    {
        _graph.Training = true;
        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        long correct = 0, seen = 0;
        var batchIndex = 0;
        foreach (var batch in _loader.Epoch(epoch))
        {
            using var _ = batch;
            cancellation.ThrowIfCancellationRequested();
            _optimizer.SetLearningRateFactor(_schedule.Factor(_optimizer.StepCount));
            double loss;
            using (DisposeScope.Enter())
            {
                _optimizer.ZeroGrad();
                var logits = _graph.Forward(batch.Images);
                var lossTensor = F.CrossEntropy(logits, batch.Labels, Options.LabelSmoothing);
                lossTensor.Backward();
                _optimizer.Step();
                loss = lossTensor.Item();
                correct += (long)logits.ArgMax(1).Eq(batch.Labels).To(DType.Float32).Sum().Item();
            }

            if (!double.IsFinite(loss))
            {
                throw new InvalidOperationException($"training diverged: loss is {loss} at epoch {epoch + 1}, batch {batchIndex + 1}; " +
                                                    $"lower the learning rate (now {Options.LearningRate})");
            }

            lossSum += loss * batch.Count;
            seen += batch.Count;
            batchIndex++;
            progress?.Report(new BatchProgress(epoch + 1, batchIndex, _loader.BatchesPerEpoch, loss, seen / clock.Elapsed.TotalSeconds));
        }

        var trainSeconds = clock.Elapsed.TotalSeconds;
        var eval = Evaluator.Evaluate(_graph, _test, Data.Normalization);
        return new EpochReport(epoch + 1, Options.Epochs, _optimizer.Groups[0].LearningRate, lossSum / seen, (double)correct / seen,
            eval.Loss, eval.Top1, eval.Top5, seen / trainSeconds, clock.Elapsed.TotalSeconds);
    }

    public void Dispose()
    {
        _loader.Dispose();
        _optimizer.Dispose();
    }
}
