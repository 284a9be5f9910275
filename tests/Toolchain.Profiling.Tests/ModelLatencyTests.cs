using Toolchain.Profiling;
using Toolchain.Runtime;

namespace Toolchain.Profiling.Tests;

public sealed class ModelLatencyTests
{
    [Fact]
    public void SpeedDrift_ComparesThePercentileOfTheSeriesHalves()
    {
        // Runs in order: the first half 1.0, 1.2, 1.1, 3.0; the second 1.3, 1.5, 1.4, 1.6, 1.45 (an odd count puts the
        // extra run in the second half). Nearest-rank 25th percentile: sorted[⌈0.25·4⌉ − 1] = 1.0 and
        // sorted[⌈0.25·5⌉ − 1] = sorted[1] = 1.4.
        var drift = SpeedDrift.Of([1.0, 1.2, 1.1, 3.0, 1.3, 1.5, 1.4, 1.6, 1.45], 25)!;
        Assert.Equal(1.0, drift.FirstHalfMs);
        Assert.Equal(1.4, drift.SecondHalfMs);
        Assert.Equal(40, drift.ChangePercent, 9);
        Assert.Equal(-50, new SpeedDrift(2, 1).ChangePercent, 9);
        Assert.Null(SpeedDrift.Of([1.0], 10)); // one run: no halves to compare
    }

    [Fact]
    public void MeasureSeries_KeepsEveryTimedRunOfEachEngine_AndMeasureRunsSummarisesThem()
    {
        using var graph = TestProfiles.Tiny();
        var engine = new OrtCpuEngine(2);
        using var a = engine.Deploy(graph);
        using var b = engine.Deploy(graph);
        var input = HostTensor.RandomUniform(graph.InputShape);
        var options = new ModelMeasurement(MinRounds: 3, Runs: 4, Warmup: 1, MinSeconds: 0);
        var series = ModelLatency.MeasureSeries([a, b], [input, input], options);
        Assert.Equal(2, series.Length);
        Assert.All(series, s => Assert.Equal(3 * 4, s.Count)); // rounds × timed runs, warm-up runs not kept
        Assert.All(series, s => Assert.All(s, ms => Assert.True(ms > 0)));
        var runs = ModelLatency.MeasureRuns([a, b], [input, input], options);
        Assert.All(runs, r => Assert.Equal(3 * 4, r.Count));
    }

    [Fact]
    public void Validate_OneTimedRunPerModel_ReportsNoDrift()
    {
        // One round of one timed run leaves the speed probe no halves to compare: no drift, and no failure.
        var engine = new OrtCpuEngine(2);
        using var tiny = TestProfiles.Tiny();
        var profile = TestProfiles.For(tiny, engine.Deployment);
        var report = PredictionValidator.Validate(TestProfiles.Tiny, profile, engine, batch: 1, samples: 1, seed: 1,
            new ModelMeasurement(MinRounds: 1, Runs: 1, Warmup: 0, MinSeconds: 0));
        Assert.Null(report.Drift);
        Assert.Equal(2, report.Samples.Count);
        Assert.All(report.Samples, s => Assert.True(s.MeasuredMs > 0));
    }
}
