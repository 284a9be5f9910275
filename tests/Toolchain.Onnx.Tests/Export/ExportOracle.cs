using System.Text.Json;
using Toolchain.Graph;
using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Onnx.Tests.Export;

/// <summary>
/// What Debian's onnx 1.12 says about one exported model (reference/export_reference.py check): the full checker
/// passed, and these are the facts it read back.
/// </summary>
internal sealed record CheckedModel(JsonElement Report)
{
    public long IrVersion => Report.GetProperty("ir_version").GetInt64();

    public long Opset(string domain = "ai.onnx") => Report.GetProperty("opsets").GetProperty(domain).GetInt64();

    public string ProducerName => Report.GetProperty("producer_name").GetString()!;

    public string GraphName => Report.GetProperty("graph_name").GetString()!;

    public (string Name, object?[] Dims) Input => Value(Report.GetProperty("inputs"));

    public (string Name, object?[] Dims) Output => Value(Report.GetProperty("outputs"));

    public int Count(string opType) => Report.GetProperty("op_counts").TryGetProperty(opType, out var n) ? n.GetInt32() : 0;

    public IReadOnlyList<string> NodeNames => Report.GetProperty("node_names").EnumerateArray().Select(e => e.GetString()!).ToList();

    public IReadOnlySet<string> Initializers => Report.GetProperty("initializers").EnumerateObject().Select(p => p.Name).ToHashSet();

    public JsonElement Initializer(string name) => Report.GetProperty("initializers").GetProperty(name);

    public object?[] ValueInfo(string name) => Dims(Report.GetProperty("value_info").GetProperty(name));

    private static (string, object?[]) Value(JsonElement list)
    {
        var only = Assert.Single(list.EnumerateArray());
        return (only.GetProperty("name").GetString()!, Dims(only.GetProperty("dims")));
    }

    // dim_value as long, dim_param as string, neither as null: comparable with Assert.Equal.
    private static object?[] Dims(JsonElement dims) => dims.EnumerateArray().Select(d => d.ValueKind switch
    {
        JsonValueKind.Number => (object?)d.GetInt64(),
        JsonValueKind.String => d.GetString(),
        _ => null,
    }).ToArray();
}

/// <summary>Runs reference/export_reference.py: the ONNX checker and the independent ONNX interpreter.</summary>
internal static class ExportOracle
{
    public const string Script = "reference/export_reference.py";

    /// <summary>onnx.checker.check_model(full_check=True) on each file (one Python process for all).</summary>
    public static IReadOnlyList<CheckedModel> Check(params string[] paths)
    {
        var json = PythonOracle.RunScript(Script, ["check", .. paths]);
        using var document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Select(e => new CheckedModel(e.Clone())).ToList();
    }

    /// <summary>
    /// The model at <paramref name="path"/> evaluated by the Python interpreter on each input; results by input name
    /// (owned by the enclosing dispose scope, or the caller).
    /// </summary>
    public static Dictionary<string, Tensor> Interpret(string path, IReadOnlyDictionary<string, Tensor> inputs)
    {
        var outputs = PythonOracle.Run(Script, "run", inputs, new Dictionary<string, string> { ["model"] = path });
        return inputs.Keys.ToDictionary(name => name, name => outputs["y." + name]);
    }

    /// <summary>
    /// Exports <paramref name="graph"/> (folded and not) and checks that the interpreter's output matches the graph's
    /// eval-mode forward at each batch size, within <paramref name="tolerance"/> of the logit scale.
    /// </summary>
    public static void AssertInterpretedMatchesForward(ModelGraph graph, TempDirectory dir, IReadOnlyList<long> batches, double tolerance = 1e-4)
    {
        using var scope = DisposeScope.Enter();
        var inputShape = graph.InputShape;
        var inputs = batches.ToDictionary(b => $"batch{b}", b => Tensor.RandN([b, .. inputShape[1..]]));
        var expected = new Dictionary<string, Tensor>();
        var training = graph.Training;
        graph.Training = false;
        using (Libtorch.NoGrad())
        {
            foreach (var (name, x) in inputs) expected[name] = graph.Forward(x);
        }

        graph.Training = training;
        foreach (var fold in new[] { false, true })
        {
            var path = dir.File($"{graph.Name}{(fold ? ".folded" : "")}.onnx");
            OnnxExporter.ExportToFile(graph, path, new OnnxExportOptions { FoldBatchNorm = fold });
            var actual = Interpret(path, inputs);
            foreach (var t in actual.Values) scope.Own(t);
            foreach (var (name, want) in expected)
            {
                Assert.Equal(want.Shape, actual[name].Shape);
                var error = TensorAssert.MaxRelativeToScale(want, actual[name]);
                Assert.True(error <= tolerance,
                    $"{graph.Name} ({(fold ? "BatchNorm folded" : "unfolded")}), {name}: max |difference| is {error:E2} of the largest |logit|, above {tolerance:E0}");
            }
        }
    }
}
