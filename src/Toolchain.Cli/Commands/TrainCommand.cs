using System.CommandLine;
using Toolchain.Cli.Ui;
using Toolchain.Graph;
using Toolchain.Pipeline;
using Toolchain.Training;

namespace Toolchain.Cli.Commands;

/// <summary>
/// <c>toolchain train MODEL</c>: the command-line face of <see cref="TrainJob"/> — trains with a live progress bar,
/// checkpoints every epoch, resumes (<c>--resume</c>), and on SIGINT/SIGTERM stops after the current batch with the last
/// epoch's checkpoint intact (exit 130).
/// </summary>
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
        var testCount = new Option<int?>("--test-images") { Description = "shapes10 only: number of test images (default 4000)" };
        var output = new Option<string?>("--out") { Description = "Checkpoint written after every epoch (default runs/MODEL-DATA.safetensors)" };
        var resume = new Option<string?>("--resume") { Description = "Continue an interrupted run from its checkpoint" };
        var json = CommandOptions.Json();

        var command = new Command("train", "Train a model and report accuracy after every epoch")
        {
            model, data, epochs, batchSize, lr, weightDecay, smoothing, seed, trainCount, testCount, output, resume, json,
        };
        command.SetAction((parse, cancellation) =>
        {
            var ui = uiFactory.Create(parse.GetValue(json));
            var (modelName, dataSpec, outPath, resumeFrom) = (parse.GetValue(model)!, parse.GetValue(data)!, parse.GetValue(output), parse.GetValue(resume));
            var checkpoint = outPath ?? resumeFrom ?? TrainJob.DefaultOutput(modelName, dataSpec);
            return Task.FromResult(CliErrors.Guard(ui, cancellation, () => File.Exists(checkpoint)
                ? $"the checkpoint of the last finished epoch is intact: continue with 'toolchain train --resume {checkpoint}'"
                : "no epoch had finished, so there is no checkpoint to resume: run the command again", _ =>
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
                options.Validate(); // the command trains: zero epochs (the job's way to write initial weights) is refused here
                var request = new TrainRequest
                {
                    Model = modelName, Data = dataSpec, Options = options, TrainImages = parse.GetValue(trainCount), TestImages = parse.GetValue(testCount), Output = outPath, Resume = resumeFrom,
                };
                var result = TrainJob.Run(request, new ConsoleTrainObserver(ui), cancellation);
                Report(ui, result);
                return ExitCodes.Success;
            }));
        });
        return command;
    }

    private static void Report(IConsoleUi ui, TrainResult result)
    {
        var final = result.History[^1];
        ui.Table($"{result.Model} on {result.Data}", ["epoch", "lr", "train loss", "train acc", "test loss", "test top-1", "test top-5", "img/s"],
            result.History.Select(r => (IReadOnlyList<string>)[r.Epoch.ToString(), r.LearningRate.ToString("G3"), r.TrainLoss.ToString("F3"),
                r.TrainAccuracy.ToString("P1"), r.TestLoss.ToString("F3"), r.TestTop1.ToString("P2"), r.TestTop5.ToString("P2"), r.ImagesPerSecond.ToString("F0")]));
        ui.Info($"Final test accuracy: top-1 {final.TestTop1:P2}, top-5 {final.TestTop5:P2} (chance {1.0 / result.NumClasses:P0}). Checkpoint: {result.Checkpoint}");
        ui.Json(new { type = "result", model = result.Model, data = result.Data, checkpoint = result.Checkpoint, final.TestTop1, final.TestTop5, epochs = final.Epoch });
    }
}
