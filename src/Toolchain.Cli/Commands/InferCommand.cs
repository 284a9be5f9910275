using System.CommandLine;
using System.Diagnostics;
using Toolchain.Cli.Ui;
using Toolchain.Pipeline;
using Toolchain.Runtime;

namespace Toolchain.Cli.Commands;

/// <summary><c>toolchain infer MODEL --input x.npy --output y.npy --engine …</c>: one run on a NumPy tensor.</summary>
public sealed class InferCommand(UiFactory uiFactory) : ICliCommand
{
    public Command Build()
    {
        var model = new Argument<string>("model") { Description = "Zoo name, graph file, checkpoint or .onnx file" };
        var input = new Option<string>("--input", "-i") { Description = "Input tensor, NumPy .npy (float32, e.g. [N, 3, H, W])", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Where to write the first output as .npy", Required = true };
        var engine = new Option<string>("--engine") { Description = EngineFactory.Description, DefaultValueFactory = _ => Engines.OrtCpu.Name };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads for ONNX Runtime (0: its default)" };
        var json = CommandOptions.Json();
        var command = new Command("infer", "Run a model on an input tensor with a chosen engine") { model, input, output, engine, threads, json };
        command.SetAction(parse => CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), ui => Infer(ui,
            parse.GetValue(model)!, parse.GetValue(input)!, parse.GetValue(output)!, parse.GetValue(engine)!, parse.GetValue(threads))));
        return command;
    }

    private static int Infer(IConsoleUi ui, string model, string inputPath, string outputPath, string engineName, int threads)
    {
        EngineFactory.Validate(engineName);
        var input = Npy.Read(inputPath);
        using var engine = EngineFactory.Creator(engineName, model, threads, input.Shape)();
        var watch = Stopwatch.StartNew();
        var outputs = engine.Run([input]);
        var elapsed = watch.Elapsed.TotalMilliseconds;
        var result = outputs[0];
        Npy.Write(outputPath, result);

        var rows = new List<IReadOnlyList<string>>();
        var top = TopClasses(result);
        for (var n = 0; n < top.Count; n++) rows.Add([n.ToString(), string.Join(", ", top[n].Select(t => $"{t.Class} ({t.Score:G4})"))]);
        ui.Table($"{engine.Name}: {Shape(input.Shape)} → {Shape(result.Shape)} in {elapsed:F2} ms, written to {outputPath}", ["sample", "top classes (score)"], rows);
        ui.Json(new
        {
            type = "inference",
            engine = engine.Name,
            input = inputPath,
            output = outputPath,
            inputShape = input.Shape,
            outputShape = result.Shape,
            milliseconds = elapsed,
            top = top.Select(s => s.Select(t => new { t.Class, t.Score })),
        });
        return ExitCodes.Success;
    }

    private static string Shape(long[] shape) => $"[{string.Join("×", shape)}]";

    /// <summary>The five best classes per sample of a [N, classes] output; empty for other shapes.</summary>
    private static IReadOnlyList<IReadOnlyList<(int Class, float Score)>> TopClasses(HostTensor output)
    {
        if (output.Shape.Length != 2) return [];
        var (samples, classes) = ((int)output.Shape[0], (int)output.Shape[1]);
        return Enumerable.Range(0, samples).Select(n => (IReadOnlyList<(int, float)>)Enumerable.Range(0, classes)
            .Select(c => (c, output.Data[n * classes + c])).OrderByDescending(t => t.Item2).Take(5).ToList()).ToList();
    }
}
