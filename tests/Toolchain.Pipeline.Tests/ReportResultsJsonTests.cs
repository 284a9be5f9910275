using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Toolchain.Pipeline.Report;
using Toolchain.TestSupport;

namespace Toolchain.Pipeline.Tests;

/// <summary>results.json: what is written validates against the shipped schema, reads back the same, and refuses what it cannot read.</summary>
public sealed class ReportResultsJsonTests
{
    private static readonly JsonSchema Schema = JsonSchema.FromText(ResultsJson.Schema);

    [Fact]
    public void Serialize_RealisticReport_ValidatesAgainstTheSchema()
    {
        var json = ResultsJson.Serialize(ReportFixtures.Realistic());

        Assert.Empty(Errors(json));
    }

    [Fact]
    public void Serialize_ReportWithoutOptionalParts_ValidatesAgainstTheSchema()
    {
        // A run without test data, profile or dense measurement: every nullable part is null, every list may be empty.
        var full = ReportFixtures.Realistic();
        var bare = full with
        {
            Run = full.Run with { FinishedUtc = null, ConfigFile = null },
            Environment = full.Environment with { Profile = null, Engines = [] },
            Accuracy = null,
            Cost = new CostComparison(full.Cost.Dense with { PredictedLatencyMs = null }, full.Cost.Pruned with { PredictedLatencyMs = null }),
            Latency = [full.Latency[0] with { Dense = null, Layers = [], LayerErrors = null }],
            Trail = new TrailSummary([.. full.Trail.Points.Select(p => p with { Top1 = null, PredictedLatencyMs = null })], null),
            Gates = [],
            Parity = [],
            Artifacts = [],
        };

        Assert.Empty(Errors(ResultsJson.Serialize(bare)));
    }

    [Fact]
    public void Parse_FileWrittenBeforeThePerLayerSummaryAndParityInputs_StillValidatesAndReads()
    {
        // Fields added within schema version 1 are optional to readers: a results.json from before them stays valid.
        var node = JsonNode.Parse(ResultsJson.Serialize(ReportFixtures.Realistic()))!;
        var engine = node["latency"]![0]!.AsObject();
        engine.Remove("layerErrors");
        foreach (var layer in engine["layers"]!.AsArray()) layer!.AsObject().Remove("kernels");
        foreach (var check in node["parity"]!.AsArray())
        {
            check!.AsObject().Remove("input");
            check.AsObject().Remove("top1Agreement");
        }

        var json = node.ToJsonString();
        Assert.Empty(Errors(json));
        var report = ResultsJson.Parse(json);
        Assert.Null(report.Latency[0].LayerErrors);
        Assert.All(report.Latency[0].Layers, l => Assert.Null(l.Kernels));
        Assert.All(report.Parity, p => Assert.True(p.Input is null && p.Top1Agreement is null));
    }

    [Theory]
    [InlineData("missing field", "/environment", "remove:os")]
    [InlineData("unknown field", "", "add:comment")]
    [InlineData("newer version", "/schemaVersion", "set:2")]
    [InlineData("negative latency", "/latency/0/pruned/samplesMs/0", "set:-0.5")]
    [InlineData("accuracy above 1", "/accuracy/dense/top1", "set:91.8")]
    [InlineData("unknown budget unit", "/budgets/0/unit", "set:\"seconds\"")]
    [InlineData("absolute artifact path", "/artifacts/0/path", "set:\"/tmp/pruned.onnx\"")]
    public void Schema_ReportThatBreaksIt_IsInvalid(string why, string pointer, string edit)
    {
        // The schema is strict on purpose: a model change not mirrored in it, or a unit mix-up, must fail validation.
        var node = JsonNode.Parse(ResultsJson.Serialize(ReportFixtures.Realistic()))!;
        var target = pointer.Length == 0 ? node : Navigate(node, pointer);
        var (verb, argument) = (edit[..edit.IndexOf(':')], edit[(edit.IndexOf(':') + 1)..]);
        switch (verb)
        {
            case "remove": Assert.True(target.AsObject().Remove(argument), why); break;
            case "add": target.AsObject()[argument] = "extra"; break;
            default: target.ReplaceWith(JsonNode.Parse(argument)); break;
        }

        Assert.NotEmpty(Errors(node.ToJsonString()));
    }

    [Fact]
    public void WriteThenRead_RealisticReport_GivesTheSameDocument()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("run")); // the pipeline makes its run folder; the writer refuses a missing one
        var path = dir.File("run/results.json");
        var report = ReportFixtures.Realistic();

        ResultsJson.Write(report, path);
        var back = ResultsJson.Read(path);

        // Records holding lists compare lists by reference, so compare what they serialise to.
        Assert.Equal(ResultsJson.Serialize(report), ResultsJson.Serialize(back));
        Assert.Equal(report.Trail.ChosenIndex, back.Trail.ChosenIndex);
        Assert.Equal(report.Latency[0].Pruned.SamplesMs, back.Latency[0].Pruned.SamplesMs);
        Assert.Equal(["results.json"], Directory.GetFiles(dir.File("run")).Select(Path.GetFileName)); // no temporary left behind
    }

    [Fact]
    public void Write_OverAnExistingFile_ReplacesItWhole()
    {
        using var dir = new TempDirectory();
        var path = dir.File("results.json");
        File.WriteAllText(path, new string('x', 500_000));

        ResultsJson.Write(ReportFixtures.Realistic(), path);

        Assert.Empty(Errors(File.ReadAllText(path)));
    }

    [Fact]
    public void Serialize_PropertyNames_AreCamelCaseAndNullsAreWritten()
    {
        var full = ReportFixtures.Realistic();
        using var document = JsonDocument.Parse(ResultsJson.Serialize(full with { Accuracy = null }));
        var root = document.RootElement;

        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("accuracy").ValueKind);
        Assert.Equal("b08593c+dirty", root.GetProperty("run").GetProperty("toolRevision").GetString());
        Assert.Equal(0.236, root.GetProperty("budgets")[0].GetProperty("measured").GetDouble());
    }

    [Fact]
    public void Parse_NewerSchemaVersion_ThrowsNamingBothVersionsAndTheFix()
    {
        var json = ResultsJson.Serialize(ReportFixtures.Realistic()).Replace("\"schemaVersion\": 1", "\"schemaVersion\": 7", StringComparison.Ordinal);

        var e = Assert.Throws<InvalidDataException>(() => ResultsJson.Parse(json, "old/results.json"));

        Assert.Contains("old/results.json: schema version 7 is newer than this toolchain reads (1)", e.Message);
        Assert.Contains("use a toolchain at least as new", e.Message);
    }

    [Fact]
    public void Parse_NotAResultsFile_ThrowsNamingTheFile()
    {
        var e = Assert.Throws<InvalidDataException>(() => ResultsJson.Parse("{\"model\": \"resnet20\"}", "trail.json"));
        Assert.Contains("trail.json: no integer 'schemaVersion'", e.Message);

        var missing = ResultsJson.Serialize(ReportFixtures.Realistic()).Replace("\"method\": \"hfp\",", "", StringComparison.Ordinal);
        var e2 = Assert.Throws<InvalidDataException>(() => ResultsJson.Parse(missing, "cut.json"));
        Assert.Contains("cut.json: does not match results schema version 1", e2.Message);
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFoundNamingIt()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ResultsJson.Read("/nonexistent/results.json"));
        Assert.Contains("'/nonexistent/results.json'", e.Message);
    }

    [Fact]
    public void Serialize_NotANumber_Throws()
    {
        // NaN is not JSON; writing it would leave a file no reader parses.
        var full = ReportFixtures.Realistic();
        var broken = full with { Budgets = [full.Budgets[0] with { Margin = double.NaN }] };

        Assert.ThrowsAny<ArgumentException>(() => ResultsJson.Serialize(broken));
    }

    private static JsonNode Navigate(JsonNode node, string pointer)
    {
        foreach (var part in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = int.TryParse(part, out var index) ? node[index]! : node[part]!;
        }

        return node;
    }

    /// <summary>Every validation error as "instance location: message"; empty when the document is valid.</summary>
    private static List<string> Errors(string json)
    {
        using var document = JsonDocument.Parse(json);
        var result = Schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid) return [];
        // The list holds every evaluated subschema, failed branches of a passing oneOf included: they only explain a failure.
        var errors = (result.Details ?? []).Append(result)
            .Where(d => !d.IsValid && d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))
            .ToList();
        return errors.Count > 0 ? errors : ["invalid (no details)"];
    }
}
