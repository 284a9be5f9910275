using System.CommandLine;
using Toolchain.Cli.Ui;
using Toolchain.Graph;

namespace Toolchain.Cli.Commands;

/// <summary><c>toolchain inspect MODEL</c>: every layer with its output shape, parameters and MACs.</summary>
public sealed class InspectCommand(UiFactory uiFactory) : ICliCommand
{
    public Command Build()
    {
        var model = new Argument<string>("model") { Description = $"Zoo name ({string.Join(", ", ModelZoo.Names)}) or a graph file" };
        var json = CommandOptions.Json();
        var command = new Command("inspect", "Print every layer with its output shape, parameters and multiply-accumulates") { model, json };
        command.SetAction(parse => CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), ui => Inspect(ui, parse.GetValue(model)!)));
        return command;
    }

    private static int Inspect(IConsoleUi ui, string name)
    {
        using var graph = ModelResolver.Open(name);
        var layers = graph.Summary();
        ui.Table($"{graph.Name}: input [{string.Join("×", graph.InputShape)}]", ["layer", "op", "output", "params", "MACs"],
            layers.Select(l => (IReadOnlyList<string>)[l.Name, l.Op.ToString(), $"[{string.Join("×", l.OutputShape)}]", l.Parameters.ToString("N0"), l.Macs.ToString("N0")])
                .Append(["total", "", $"[{string.Join("×", graph.OutputShape)}]", graph.ParameterCount.ToString("N0"), graph.Macs.ToString("N0")]));
        ui.Info($"{graph.Name}: {layers.Count} layers, {graph.ParameterCount / 1e6:F3} M parameters, {graph.Macs / 1e6:F1} M MACs");
        ui.Json(new
        {
            type = "model",
            name = graph.Name,
            inputShape = graph.InputShape,
            outputShape = graph.OutputShape,
            parameters = graph.ParameterCount,
            macs = graph.Macs,
            layers = layers.Select(l => new { l.Name, op = l.Op.ToString(), l.OutputShape, l.Parameters, l.Macs }),
        });
        return ExitCodes.Success;
    }
}
