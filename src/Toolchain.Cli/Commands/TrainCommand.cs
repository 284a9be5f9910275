using System.CommandLine;
using Toolchain.Cli.Ui;
using Toolchain.Graph;
using Toolchain.Pipeline;
using Toolchain.Training;

namespace Toolchain.Cli.Commands;

/// <summary><c>toolchain train MODEL</c>: trains with a live progress bar, checkpoints every epoch, resumes.</summary>
public sealed class TrainCommand(UiFactory uiFactory) : ICliCommand
{
    public Command Build()
    {
        var model = new Argument<string>("model") { Description = $"Zoo name ({string.Join(", ", ModelZoo.Names)}) or a graph file" };
        var data = CommandOptions.Data(DataSource.Shapes10Name);
        var epochs = new Option<int>("--epochs") { Description = "Epochs to train", DefaultValueFactory = _ => 5 };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per batch", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate (SGD, warm-up then cosine)", DefaultValueFactory = _ => 0.1 };
        var weightDecay = new Option<double>("--weight-decay") { Description = "L2 weight decay", DefaultValueFactory = _ => 5e-4 };
        var smoothing = new Option<double>("--label-smoothing") { Description = "Label smoothing", DefaultValueFactory = _ => 0.0 };
        var seed = new Option<int>("--seed") { Description = "Seed for weights, batch order, augmentation and shapes10", DefaultValueFactory = _ => 0 };
        var trainCount = new Option<int?>("--train-images") { Description = "shapes10 only: number of training images (default 20000)" };
        var output = new Option<string?>("--out") { Description = "Checkpoint written after every epoch (default runs/MODEL-DATA.safetensors)" };
        var resume = new Option<string?>("--resume") { Description = "Continue an interrupted run from its checkpoint" };
        var json = CommandOptions.Json();

        var command = new Command("train", "Train a model and report accuracy after every epoch")
        {
            model, data, epochs, batchSize, lr, weightDecay, smoothing, seed, trainCount, output, resume, json,
        };
        command.SetAction((parse, cancellation) => Task.FromResult(CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), ui =>
        {
            var options = new TrainingOptions
            {
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batchSize),
                LearningRate = parse.GetValue(lr),
                WeightDecay = parse.GetValue(weightDecay),
                LabelSmoothing = parse.GetValue(smoothing),
                Seed = parse.GetValue(seed),
                WarmupEpochs = Math.Min(1, parse.GetValue(epochs)),
            };
            return Train(ui, parse.GetValue(model)!, parse.GetValue(data)!, options, parse.GetValue(trainCount),
                parse.GetValue(output), parse.GetValue(resume), cancellation);
        })));
        return command;
    }

    private static int Train(IConsoleUi ui, string modelName, string dataSpec, TrainingOptions options, int? trainCount,
        string? output, string? resume, CancellationToken cancellation)
    {
        options.Validate();
        Checkpoint.State? state = null;
        IReadOnlyDictionary<string, Toolchain.Torch.Tensor> optimizerState = new Dictionary<string, Toolchain.Torch.Tensor>();
        ModelGraph? graph = null;
        if (resume is not null)
        {
            var loaded = Checkpoint.Load(resume);
            state = loaded.State ?? throw new InvalidDataException($"'{resume}' is a graph file without training state; it cannot be resumed");
            graph = loaded.File.Graph;
            optimizerState = loaded.OptimizerState;
            modelName = state.Model;
            dataSpec = state.Data;
            options = state.Options with { Epochs = Math.Max(options.Epochs, state.Options.Epochs) };
            output ??= resume;
        }

        ui.Info($"Preparing data '{dataSpec}'…");
        var data = DataSource.Open(dataSpec, options.Seed, trainCount);
        graph ??= ModelResolver.Open(modelName, data.NumClasses, (ulong)options.Seed, zooInput: data.InputShape);
        using var _ = graph;
        output ??= Path.Combine("runs", $"{Path.GetFileNameWithoutExtension(modelName)}-{SafeName(dataSpec)}.safetensors");

        using var trainer = new Trainer(graph, modelName, data, options);
        if (state is not null) trainer.Resume(state, optimizerState);
        ui.Info($"Training {modelName} ({graph.ParameterCount:N0} parameters, {graph.Macs / 1e6:F1} M MACs) on {data.Train.Count:N0} images " +
                $"of {data.Name}, testing on {data.Test.Count:N0}; {options.Epochs} epochs from epoch {trainer.EpochsCompleted + 1}, " +
                $"{Toolchain.Torch.Libtorch.Threads} threads. Checkpoint: {output}");

        using var epochs = trainer.Run(output, cancellation).GetEnumerator();
        while (true)
        {
            var epochNumber = trainer.EpochsCompleted + 1;
            var more = ui.WithProgress($"epoch {epochNumber}/{options.Epochs}", bar =>
            {
                trainer.Progress = new Direct<BatchProgress>(p => bar.Update(
                    $"epoch {p.Epoch}/{options.Epochs}  loss {p.Loss:F3}  {p.ImagesPerSecond:F0} img/s", p.Batch, p.BatchesPerEpoch));
                return epochs.MoveNext();
            });
            if (!more) break;
            var report = epochs.Current;
            ui.Json(new { type = "epoch", model = modelName, data = data.Name, report.Epoch, report.Epochs, report.LearningRate, report.TrainLoss,
                report.TrainAccuracy, report.TestLoss, report.TestTop1, report.TestTop5, report.ImagesPerSecond, report.Seconds });
            ui.Info($"epoch {report.Epoch}/{report.Epochs}: loss {report.TrainLoss:F3}, train {report.TrainAccuracy:P1}, " +
                    $"test top-1 {report.TestTop1:P2} (top-5 {report.TestTop5:P2}), {report.ImagesPerSecond:F0} img/s");
        }

        var final = trainer.History[^1];
        ui.Table($"{modelName} on {data.Name}", ["epoch", "lr", "train loss", "train acc", "test loss", "test top-1", "test top-5", "img/s"],
            trainer.History.Select(r => (IReadOnlyList<string>)[r.Epoch.ToString(), r.LearningRate.ToString("G3"), r.TrainLoss.ToString("F3"),
                r.TrainAccuracy.ToString("P1"), r.TestLoss.ToString("F3"), r.TestTop1.ToString("P2"), r.TestTop5.ToString("P2"), r.ImagesPerSecond.ToString("F0")]));
        ui.Info($"Final test accuracy: top-1 {final.TestTop1:P2}, top-5 {final.TestTop5:P2} (chance {1.0 / data.NumClasses:P0}). Checkpoint: {output}");
        ui.Json(new { type = "result", model = modelName, data = data.Name, checkpoint = output, final.TestTop1, final.TestTop5, epochs = final.Epoch });
        return ExitCodes.Success;
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class Direct<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

    private static string SafeName(string spec) => string.Concat(spec.Select(c => char.IsLetterOrDigit(c) ? c : '_')).Trim('_');
}
