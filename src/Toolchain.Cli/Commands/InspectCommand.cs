using System.CommandLine;
using Toolchain.Cli.Ui;
using Toolchain.Graph;
using Toolchain.Pipeline;
using Toolchain.Pruning;

namespace Toolchain.Cli.Commands;

/// <summary><c>toolchain inspect MODEL</c>: every layer with its output shape, parameters and MACs.</summary>
public sealed class InspectCommand(UiFactory uiFactory) : ICliCommand
{
    public Command Build()
    {
        var model = new Argument<string>("model") { Description = $"Zoo name ({string.Join(", ", ModelZoo.Names)}) or a graph file" };
        var groups = new Option<bool>("--groups") { Description = "Show the channel groups pruning works on: coupled channels and what one channel costs" };
        var inputShape = CommandOptions.InputShape();
        var json = CommandOptions.Json();
        var command = new Command("inspect", "Print every layer with its output shape, parameters and multiply-accumulates") { model, groups, inputShape, json };
        command.SetAction(parse => CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), ui => parse.GetValue(groups)
            ? InspectGroups(ui, parse.GetValue(model)!, CommandOptions.ParseShape(parse.GetValue(inputShape)))
            : Inspect(ui, parse.GetValue(model)!, CommandOptions.ParseShape(parse.GetValue(inputShape)))));
        return command;
    }

    /// <summary>
    /// Every set of channels that must be pruned together, with its members, and what removing one channel of it
    /// saves (parameters, MACs) — or why it cannot be pruned.
    /// </summary>
    private static int InspectGroups(IConsoleUi ui, string name, long[]? inputShape)
    {
        using var graph = ModelResolver.Open(name, inputShape: inputShape);
        var groups = ChannelGroups.Discover(graph);
        var widths = groups.FullWidths();
        var (parameters, macs) = (new ParameterCost(groups), new MacCost(groups));
        var rows = groups.Groups.Select(g =>
        {
            var marginal = g.Prunable && g.Channels > 1;
            return new
            {
                g.Id,
                g.Name,
                g.Channels,
                g.Prunable,
                g.Reason,
                Members = g.Members.Select(m => m.ToString()).ToList(),
                ParametersPerChannel = marginal ? parameters.Marginal(widths, g.Id) : (double?)null,
                MacsPerChannel = marginal ? macs.Marginal(widths, g.Id) : (double?)null,
            };
        }).ToList();

        ui.Table($"{graph.Name}: channel groups", ["id", "group", "channels", "members", "params / channel", "MACs / channel", "prunable"],
            rows.Select(r => (IReadOnlyList<string>)[r.Id.ToString(), r.Name, r.Channels.ToString(), r.Members.Count.ToString(),
                r.ParametersPerChannel?.ToString("N0") ?? "–", r.MacsPerChannel?.ToString("N0") ?? "–", r.Prunable ? "yes" : "no (see below)"]));
        foreach (var r in rows.Where(r => !r.Prunable)) ui.Info($"group {r.Id} ({r.Name}) is not prunable: {r.Reason}");
        ui.Info($"{graph.Name}: {rows.Count} groups, {rows.Count(r => r.Prunable)} prunable");
        ui.Json(new { type = "groups", model = graph.Name, groups = rows });
        return ExitCodes.Success;
    }

    private static int Inspect(IConsoleUi ui, string name, long[]? inputShape)
    {
        using var graph = ModelResolver.Open(name, inputShape: inputShape);
        var layers = graph.Summary();
        ui.Table($"{graph.Name}: input [{string.Join("×", graph.InputShape)}]", ["layer", "op", "output", "params", "MACs"],
            layers.Select(l => (IReadOnlyList<string>)[l.Name, l.Op.ToString(), $"[{string.Join("×", l.OutputShape)}]", l.Parameters.ToString("N0"), l.Macs.ToString("N0")])
                .Append(["total", "", $"[{string.Join("×", graph.OutputShape)}]", graph.ParameterCount.ToString("N0"), graph.Macs.ToString("N0")]));
        ui.Info($"{graph.Name}: {layers.Count} layers, {graph.ParameterCount / 1e6:F3} M parameters, {graph.Macs / 1e6:F1} M MACs");
        // The table's total row shows the first output; a model with several lists each (training and evaluation read the first).
        if (graph.OutputNames.Count > 1)
        {
            ui.Info($"{graph.Name}: {graph.OutputNames.Count} outputs: {string.Join(", ", graph.OutputNames.Select(o => $"'{o}' [{string.Join("×", graph.ShapeOf(o))}]"))}");
        }

        ui.Json(new
        {
            type = "model",
            name = graph.Name,
            inputShape = graph.InputShape,
            outputShape = graph.OutputShape,
            outputs = graph.OutputNames.Select(o => new { name = o, shape = graph.ShapeOf(o) }),
            parameters = graph.ParameterCount,
            macs = graph.Macs,
            layers = layers.Select(l => new { l.Name, op = l.Op.ToString(), l.OutputShape, l.Parameters, l.Macs }),
        });
        return ExitCodes.Success;
    }
}
