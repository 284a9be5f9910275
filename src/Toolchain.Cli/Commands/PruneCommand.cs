using System.CommandLine;
using Toolchain.Cli.Ui;
using Toolchain.Graph;
using Toolchain.Graph.Serialization;
using Toolchain.Onnx;
using Toolchain.Pruning;
using Toolchain.Runtime;

namespace Toolchain.Cli.Commands;

/// <summary>
/// <c>toolchain prune MODEL --method l1 --ratio 0.5 --out small.onnx</c>: the uniform one-shot baseline. Removes the
/// least important fraction of every prunable channel group, compacts the graph physically, proves the compacted
/// graph computes what the masked one did, and writes it as ONNX (checked in ONNX Runtime) or as a graph file.
/// </summary>
public sealed class PruneCommand(UiFactory uiFactory) : ICliCommand
{
    public Command Build()
    {
        var model = new Argument<string>("model") { Description = "Zoo name, graph file, checkpoint or .onnx file" };
        var method = new Option<string>("--method") { Description = $"Channel importance: {string.Join(", ", Importance.Names)}", DefaultValueFactory = _ => "l1" };
        var ratio = new Option<double>("--ratio") { Description = "Fraction of channels to remove from every prunable group, in (0, 1)", Required = true };
        var roundTo = new Option<int>("--round-to") { Description = "Keep widths that are multiples of this (SIMD-friendly)", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out", "-o") { Description = "Where to write: .onnx (deployable) or .safetensors (graph file, trainable)", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the random criterion" };
        var foldBn = CommandOptions.FoldBatchNorm();
        var noVerify = CommandOptions.NoVerify();
        var inputShape = CommandOptions.InputShape();
        var json = CommandOptions.Json();
        var command = new Command("prune", "Remove channels with the uniform one-shot baseline and write the compacted model")
        {
            model, method, ratio, roundTo, output, seed, foldBn, noVerify, inputShape, json,
        };
        command.SetAction(parse => CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), ui => Prune(ui, parse.GetValue(model)!,
            parse.GetValue(method)!, parse.GetValue(ratio), parse.GetValue(roundTo), parse.GetValue(output)!, parse.GetValue(seed),
            parse.GetValue(foldBn), !parse.GetValue(noVerify), CommandOptions.ParseShape(parse.GetValue(inputShape)))));
        return command;
    }

    private static int Prune(IConsoleUi ui, string modelName, string method, double ratio, int roundTo, string path, int seed, bool foldBn, bool verify, long[]? inputShape)
    {
        var toOnnx = EngineFactory.IsOnnxFile(path);
        if (!toOnnx && !path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"--out '{path}' must end in .onnx or .safetensors");
        }

        var importance = Importance.Create(method, seed);
        using var graph = ModelResolver.Open(modelName, inputShape: inputShape);
        graph.Training = false;

        // Select, then compact — the library checks that compaction changed nothing the masks had not already.
        var groups = ChannelGroups.Discover(graph);
        var masks = UniformPruning.SelectMasks(groups, importance, ratio, roundTo);
        var verified = VerifiedCompaction.Compact(groups, masks);
        var (compaction, maskedDiff) = (verified.Report, verified.MaxAbsDifference);

        OnnxOutputResult? onnx = null;
        if (toOnnx) onnx = OnnxOutput.Write(graph, path, new OnnxExportOptions { FoldBatchNorm = foldBn }, verify);
        else GraphFile.Save(graph, path);

        var widths = groups.Groups.Where(g => g.Prunable).Select(g => (g.Name, Before: g.Channels, After: compaction.WidthsAfter[g.Id])).ToList();
        ui.Table($"{graph.Name}: widths of the prunable channel groups ({importance.Name}, ratio {ratio:0.###})", ["group", "before", "after", ""],
            widths.Select(w => (IReadOnlyList<string>)[w.Name, w.Before.ToString(), w.After.ToString(), Bar(w.After, widths.Max(x => x.Before))]));
        ui.Table($"{graph.Name} pruned", ["", "before", "after", "reduction"],
        [
            ["parameters", compaction.ParametersBefore.ToString("N0"), compaction.ParametersAfter.ToString("N0"), Reduction(compaction.ParametersBefore, compaction.ParametersAfter)],
            ["MACs", compaction.MacsBefore.ToString("N0"), compaction.MacsAfter.ToString("N0"), Reduction(compaction.MacsBefore, compaction.MacsAfter)],
        ]);
        ui.Info($"compacted = masked: max |Δ| {maskedDiff:G3}; " +
                (onnx is null ? $"graph file written to {path}" : $"ONNX written to {path} (ONNX Runtime parity: {ExportCommand.Describe(onnx)})"));
        foreach (var fold in compaction.Folds.Where(f => f.Kind != FoldKind.Exact)) ui.Info($"note: {fold.Node}: {fold.Kind} — {fold.Detail}");
        ui.Json(new
        {
            type = "prune",
            model = graph.Name,
            method = importance.Name,
            ratio,
            roundTo,
            path,
            compaction.ParametersBefore,
            compaction.ParametersAfter,
            compaction.MacsBefore,
            compaction.MacsAfter,
            compactedVsMaskedMaxAbsDiff = maskedDiff,
            parityMaxAbsDiff = onnx?.ParityMaxAbsDiff,
            groups = groups.Groups.Select(g => new { g.Id, g.Name, g.Channels, kept = compaction.WidthsAfter[g.Id], g.Prunable, g.Reason }),
        });
        return ExitCodes.Success;
    }

    private static string Reduction(long before, long after) => before == 0 ? "–" : $"{1 - (double)after / before:P1}";

    private static string Bar(int width, int max) => new('█', Math.Max(1, (int)Math.Round(24.0 * width / max)));
}
