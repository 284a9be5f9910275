using System.CommandLine;
using Toolchain.Cli.Ui;
using Toolchain.Onnx;
using Toolchain.Runtime;

namespace Toolchain.Cli.Commands;

/// <summary>
/// <c>toolchain export MODEL --out model.onnx</c>: writes ONNX (IR 8, opset 17, dynamic batch) and, unless told not
/// to, proves the file: ONNX Runtime runs it and its outputs are compared with our executor's on a random batch.
/// </summary>
public sealed class ExportCommand(UiFactory uiFactory) : ICliCommand
{
    public Command Build()
    {
        var model = new Argument<string>("model") { Description = "Zoo name, graph file, checkpoint or .onnx file" };
        var output = new Option<string>("--out", "-o") { Description = "The .onnx file to write", Required = true };
        var foldBn = new Option<bool>("--fold-bn") { Description = "Fold BatchNorm into the preceding convolution (inference export)" };
        var staticBatch = new Option<bool>("--static-batch") { Description = "Fix the batch dimension to the model's input shape instead of a dynamic 'batch'" };
        var noVerify = new Option<bool>("--no-verify") { Description = "Skip the ONNX Runtime parity check" };
        var json = CommandOptions.Json();
        var command = new Command("export", "Export a model to ONNX and check it with ONNX Runtime") { model, output, foldBn, staticBatch, noVerify, json };
        command.SetAction(parse => CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), ui => Export(ui,
            parse.GetValue(model)!, parse.GetValue(output)!, parse.GetValue(foldBn), !parse.GetValue(staticBatch), !parse.GetValue(noVerify))));
        return command;
    }

    private static int Export(IConsoleUi ui, string modelName, string path, bool foldBn, bool dynamicBatch, bool verify)
    {
        using var graph = ModelResolver.Open(modelName);
        var options = new OnnxExportOptions { FoldBatchNorm = foldBn, DynamicBatch = dynamicBatch };
        var bytes = OnnxExporter.Export(graph, options);
        double? maxDiff = null;
        double? scale = null;
        if (verify)
        {
            (maxDiff, scale) = Parity(graph, bytes, modelName, dynamicBatch ? 2 : (int)graph.InputShape[0]);
            if (maxDiff > 1e-4 * Math.Max(1, scale!.Value))
            {
                throw new InvalidOperationException($"ONNX Runtime's outputs differ from ours by {maxDiff:G3} (logit scale {scale:G3}); nothing written");
            }
        }

        WriteAtomically(path, bytes);
        var rows = new List<IReadOnlyList<string>>
        {
            new[] { "file", path },
            new[] { "size", $"{bytes.Length / 1024.0 / 1024.0:F2} MiB" },
            new[] { "ONNX", $"IR {OnnxSchema.IrVersion}, opset {OnnxSchema.Opset}" },
            new[] { "batch", dynamicBatch ? "dynamic" : graph.InputShape[0].ToString() },
            new[] { "BatchNorm", foldBn ? "folded into Conv" : "kept" },
            new[] { "parity vs ONNX Runtime", maxDiff is { } d ? $"max |Δ| {d:G3} (logits up to {scale:G3})" : "not checked" },
        };
        ui.Table($"{graph.Name} → ONNX", ["", "value"], rows);
        ui.Json(new
        {
            type = "export",
            model = graph.Name,
            path,
            bytes = bytes.Length,
            irVersion = OnnxSchema.IrVersion,
            opset = OnnxSchema.Opset,
            dynamicBatch,
            foldBatchNorm = foldBn,
            parityMaxAbsDiff = maxDiff,
            logitScale = scale,
        });
        return ExitCodes.Success;
    }

    /// <summary>Runs a seeded random batch through ONNX Runtime and our executor; returns (max |Δ|, max |logit|).</summary>
    private static (double MaxDiff, double Scale) Parity(Graph.ModelGraph graph, byte[] onnx, string source, int batch)
    {
        var shape = graph.InputShape;
        shape[0] = batch;
        var input = new HostTensor(shape, RandomInput(shape));
        using var ort = OrtEngine.Load(onnx, source, new OrtEngineOptions());
        using var ours = new TorchEngine(graph, ownsGraph: false);
        var expected = ours.Run([input])[0];
        var actual = ort.Run([input])[0];
        var diff = expected.Data.Zip(actual.Data, (a, b) => (double)Math.Abs(a - b)).Max();
        return (diff, expected.Data.Max(v => Math.Abs((double)v)));
    }

    internal static float[] RandomInput(long[] shape)
    {
        var random = new Random(0);
        var data = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (var i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return data;
    }

    internal static void WriteAtomically(string path, byte[] bytes)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"the folder of '{path}' does not exist");
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
