using System.Xml.Linq;

namespace Toolchain.Pipeline.Tests;

/// <summary>Gates judged from measurements, and the JUnit XML and Markdown a build pipeline reads.</summary>
public sealed class GatesTests
{
    private static PruneSummary Prune(double denseTop1 = 0.93, double prunedTop1 = 0.91, double? parity = 2e-6) => new(
        "resnet20", "fsa", 10_000, denseTop1, 0.99, prunedTop1, 0.99, 0.80, 272_186, 120_000, 31_000_000, 14_000_000, 0.36, 0.18,
        [new BudgetSummary("latency=50%", "latency", "ms", 0.18, 0.179, true, 0.5), new BudgetSummary("params=50%", "params", "", 136_093, 120_000, true, 0.5)],
        [new WidthSummary("conv1", 16, 8)], parity, "pruned.onnx", 1000, "pruned.trail.json");

    private static LatencySummary Latency(double p50) => new(100, p50, p50, p50 * 1.1, p50 * 1.3, p50 * 0.9, p50 * 1.5, 1000 / p50, [p50]);

    private static PipelineConfig Config(double tolerance = 0.05) => new() { Gates = { LatencyTolerance = tolerance, AccuracyFloor = 0.9, MaxAccuracyDrop = 0.03, Parity = 1e-4, MinSpeedup = 1.5 } };

    [Fact]
    public void Judge_MeasuredLatencyWithinTolerance_AndEveryOtherGate_Pass()
    {
        // Measured 0.52 of dense: over the 50 % budget, but within 5 % tolerance (≤ 52.5 %).
        var gates = Gates.Judge(Config(), Prune(), [new BatchLatency(1, "ort-cpu", Latency(1.0), Latency(0.52))]);

        Assert.Equal(["budget latency=50%", "budget params=50%", "accuracy floor", "accuracy drop", "parity", "speed-up"], gates.Select(g => g.Name));
        Assert.All(gates, g => Assert.True(g.Passed, g.Message));
        Assert.Equal(52, gates[0].Measured!.Value, 9); // percent of dense
        Assert.Equal(50, gates[0].Limit!.Value, 9);
        Assert.Equal(2.5, gates[0].Tolerance!.Value, 9);
    }

    [Fact]
    public void Judge_TightTolerance_FailsTheLatencyGate_NamingMeasuredAndLimit()
    {
        var gates = Gates.Judge(Config(tolerance: 0), Prune(), [new BatchLatency(1, "ort-cpu", Latency(1.0), Latency(0.52))]);

        var latency = gates.Single(g => g.Name == "budget latency=50%");
        Assert.False(latency.Passed);
        Assert.Contains("measured 52.0 % of dense", latency.Message);
        Assert.Contains("at most 50.0 %", latency.Message);
    }

    [Fact]
    public void Judge_AccuracyParityAndSpeedup_FailWhenOutsideTheirLimits()
    {
        var gates = Gates.Judge(Config(), Prune(prunedTop1: 0.85, parity: 1e-2), [new BatchLatency(1, "ort-cpu", Latency(1.0), Latency(0.8))]);

        Assert.False(gates.Single(g => g.Name == "accuracy floor").Passed);
        Assert.False(gates.Single(g => g.Name == "accuracy drop").Passed);
        Assert.False(gates.Single(g => g.Name == "parity").Passed);
        Assert.False(gates.Single(g => g.Name == "speed-up").Passed); // 1.25× < 1.5×
        Assert.Contains("top-1 fell 8.00 points", gates.Single(g => g.Name == "accuracy drop").Message);
    }

    [Fact]
    public void JUnit_HasACasePerGate_AndTheFailedOneCarriesItsMessage()
    {
        var config = Config(tolerance: 0);
        var latency = new[] { new BatchLatency(1, "ort-cpu", Latency(1.0), Latency(0.52)) };
        var result = new PipelineResult(config, "/tmp/run", Prune(), latency, Gates.Judge(config, Prune(), latency),
            new Report.TensorRtStatus(false, null, ["trtexec on PATH"]), [new StageStatus("prune", "ran", 12)], new Dictionary<string, string>(), DateTimeOffset.UtcNow, null, null);

        var xml = XDocument.Parse(PipelineOutputs.JUnit(result));
        var suite = xml.Root!.Element("testsuite")!;
        Assert.Equal("6", suite.Attribute("tests")!.Value);
        Assert.Equal("1", suite.Attribute("failures")!.Value);
        var failed = suite.Elements("testcase").Single(c => c.Element("failure") is not null);
        Assert.Equal("budget latency=50%", failed.Attribute("name")!.Value);
        Assert.Contains("measured 52.0 % of dense", failed.Element("failure")!.Attribute("message")!.Value);
        Assert.False(result.Passed);

        var markdown = PipelineOutputs.Markdown(result);
        Assert.Contains("1 gate(s) FAILED", markdown);
        Assert.Contains("❌ FAIL", markdown);
        Assert.Contains("TensorRT is not on this host", markdown);
    }
}
