using System.CommandLine;
using Toolchain.Cli.Ui;
using Toolchain.Training;

namespace Toolchain.Cli.Commands;

/// <summary><c>toolchain eval CHECKPOINT</c>: top-1/top-5 of a checkpoint on its (or another) test set.</summary>
public sealed class EvalCommand(UiFactory uiFactory) : ICliCommand
{
    public Command Build()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "A checkpoint or graph file written by 'toolchain train'" };
        var data = CommandOptions.OptionalData();
        var json = CommandOptions.Json();
        var command = new Command("eval", "Score a checkpoint on a test set") { checkpoint, data, json };
        command.SetAction(parse => CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), ui =>
            Evaluate(ui, parse.GetValue(checkpoint)!, parse.GetValue(data))));
        return command;
    }

    private static int Evaluate(IConsoleUi ui, string path, string? dataSpec)
    {
        var (file, state, _) = Checkpoint.Load(path);
        using var __ = file;
        dataSpec ??= state?.Data ?? throw new ArgumentException($"'{path}' records no data set; name one with --data");
        var data = DataSource.Open(dataSpec, state?.Options.Seed ?? 0);
        // Score with the normalisation the model was trained with, whatever the data set's own would be.
        var normalization = state?.Normalization ?? data.Normalization;
        var result = ui.WithProgress("evaluating", bar =>
        {
            bar.Update("evaluating", 0, 1);
            var r = Evaluator.Evaluate(file.Graph, data.Test, normalization);
            bar.Update("evaluating", 1, 1);
            return r;
        });
        ui.Table($"{Path.GetFileName(path)} on {data.Name} (test)", ["images", "loss", "top-1", "top-5"],
            [[result.Samples.ToString("N0"), result.Loss.ToString("F4"), result.Top1.ToString("P2"), result.Top5.ToString("P2")]]);
        ui.Json(new { type = "evaluation", checkpoint = path, data = data.Name, result.Samples, result.Loss, result.Top1, result.Top5 });
        return ExitCodes.Success;
    }
}
