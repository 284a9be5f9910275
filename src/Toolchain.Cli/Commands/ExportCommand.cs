using System.CommandLine;
using Toolchain.Cli.Ui;
using Toolchain.Onnx;
using Toolchain.Pipeline;

namespace Toolchain.Cli.Commands;

/// <summary>
/// <c>toolchain export MODEL --out model.onnx</c>: writes ONNX (IR 8, opset 17, dynamic batch) and, unless told not
/// to, proves the file first: ONNX Runtime must reproduce our executor's outputs (see <see cref="OnnxOutput"/>).
/// </summary>
public sealed class ExportCommand(UiFactory uiFactory) : ICliCommand
{
    public Command Build()
    {
        var model = new Argument<string>("model") { Description = "Zoo name, graph file, checkpoint or .onnx file" };
        var output = new Option<string>("--out", "-o") { Description = "The .onnx file to write", Required = true };
        var foldBn = CommandOptions.FoldBatchNorm();
        var staticBatch = new Option<bool>("--static-batch") { Description = "Fix the batch dimension to the model's input shape instead of a dynamic 'batch'" };
        var noVerify = CommandOptions.NoVerify();
        var inputShape = CommandOptions.InputShape();
        var json = CommandOptions.Json();
        var command = new Command("export", "Export a model to ONNX and check it with ONNX Runtime") { model, output, foldBn, staticBatch, noVerify, inputShape, json };
        command.SetAction(parse => CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), ui => Export(ui, parse.GetValue(model)!, parse.GetValue(output)!,
            parse.GetValue(foldBn), !parse.GetValue(staticBatch), !parse.GetValue(noVerify), CommandOptions.ParseShape(parse.GetValue(inputShape)))));
        return command;
    }

    private static int Export(IConsoleUi ui, string modelName, string path, bool foldBn, bool dynamicBatch, bool verify, long[]? inputShape)
    {
        using var graph = ModelResolver.Open(modelName, inputShape: inputShape);
        var result = OnnxOutput.Write(graph, path, new OnnxExportOptions { FoldBatchNorm = foldBn, DynamicBatch = dynamicBatch }, verify);
        ui.Table($"{graph.Name} → ONNX", ["", "value"],
        [
            ["file", path],
            ["size", $"{result.Bytes / 1024.0 / 1024.0:F2} MiB"],
            ["ONNX", $"IR {OnnxSchema.IrVersion}, opset {OnnxSchema.Opset}"],
            ["batch", dynamicBatch ? "dynamic" : graph.InputShape[0].ToString()],
            ["BatchNorm", foldBn ? "folded into Conv" : "kept"],
            ["parity vs ONNX Runtime", Describe(result)],
        ]);
        ui.Json(new
        {
            type = "export",
            model = graph.Name,
            path,
            bytes = result.Bytes,
            irVersion = OnnxSchema.IrVersion,
            opset = OnnxSchema.Opset,
            dynamicBatch,
            foldBatchNorm = foldBn,
            parityMaxAbsDiff = result.ParityMaxAbsDiff,
            logitScale = result.LogitScale,
        });
        return ExitCodes.Success;
    }

    internal static string Describe(OnnxOutputResult result) => result.ParityMaxAbsDiff is { } d
        ? $"max |Δ| {d:G3} (outputs up to {result.LogitScale:G3})"
        : "not checked";
}
