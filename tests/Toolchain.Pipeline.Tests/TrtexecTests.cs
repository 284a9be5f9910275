namespace Toolchain.Pipeline.Tests;

/// <summary>trtexec's performance summary, in the formats TensorRT 8.x (99th percentile only) and 10 (90/95/99) print.</summary>
public sealed class TrtexecTests
{
    private const string TensorRt10 = """
        [11/30/2026-10:00:01] [I] Starting inference
        [11/30/2026-10:00:04] [I] Latency: min = 9.9 ms (this line is before the summary and must not be read)
        [11/30/2026-10:00:04] [I] === Performance summary ===
        [11/30/2026-10:00:04] [I] Throughput: 2417.35 qps
        [11/30/2026-10:00:04] [I] Latency: min = 0.398 ms, max = 0.912 ms, mean = 0.41225 ms, median = 0.40625 ms, percentile(90%) = 0.421875 ms, percentile(95%) = 0.4375 ms, percentile(99%) = 0.5 ms
        [11/30/2026-10:00:04] [I] Enqueue Time: min = 0.0102 ms, max = 0.05 ms, mean = 0.0131 ms, median = 0.0127 ms, percentile(90%) = 0.015 ms, percentile(95%) = 0.016 ms, percentile(99%) = 0.02 ms
        [11/30/2026-10:00:04] [I] H2D Latency: min = 0.003 ms, max = 0.02 ms, mean = 0.004 ms, median = 0.004 ms, percentile(90%) = 0.005 ms, percentile(95%) = 0.005 ms, percentile(99%) = 0.007 ms
        [11/30/2026-10:00:04] [I] GPU Compute Time: min = 0.381 ms, max = 0.88 ms, mean = 0.39 ms, median = 0.388 ms, percentile(90%) = 0.4 ms, percentile(95%) = 0.41 ms, percentile(99%) = 0.47 ms
        [11/30/2026-10:00:04] [I] Total Host Walltime: 3.00121 s
        &&&& PASSED TensorRT.trtexec [TensorRT v100500]
        """;

    private const string TensorRt8 = """
        [05/09/2022-06:27:25] [I] === Performance summary ===
        [05/09/2022-06:27:25] [I] Throughput: 4.2e+03 qps
        [05/09/2022-06:27:25] [I] End-to-End Host Latency: min = 7 ms, max = 8 ms, mean = 7.5 ms, median = 7.5 ms, percentile(99%) = 8 ms
        [05/09/2022-06:27:25] [I] Latency: min = 1.5 ms, max = 3.25 ms, mean = 2 ms, median = 1.75 ms, percentile(99%) = 3 ms
        """;

    [Fact]
    public void Parse_ReadsThroughputHostLatencyAndGpuComputeFromTheSummary()
    {
        var s = Trtexec.Parse(TensorRt10);
        Assert.Equal(2417.35, s.ThroughputQps, 9);
        Assert.Equal((0.398, 0.912, 0.41225, 0.40625), (s.Latency.MinMs, s.Latency.MaxMs, s.Latency.MeanMs, s.Latency.MedianMs));
        Assert.Equal(new Dictionary<double, double> { [90] = 0.421875, [95] = 0.4375, [99] = 0.5 }, s.Latency.Percentiles);
        Assert.NotNull(s.GpuCompute);
        Assert.Equal(0.388, s.GpuCompute.MedianMs, 9);
        Assert.Equal(0.47, s.GpuCompute.Percentiles[99], 9);
    }

    [Fact]
    public void Parse_TensorRt8_ReadsLatencyNotTheEndToEndLine_AndHasNoGpuComputeLine()
    {
        var s = Trtexec.Parse(TensorRt8);
        Assert.Equal(4200, s.ThroughputQps, 9);
        Assert.Equal(1.75, s.Latency.MedianMs, 9);
        Assert.Equal([99.0], s.Latency.Percentiles.Keys);
        Assert.Null(s.GpuCompute);
    }

    [Theory]
    [InlineData("[I] Building engine…\n&&&& FAILED TensorRT.trtexec", "no performance summary")]
    [InlineData("=== Performance summary ===\n[I] Latency: min = 1 ms, max = 2 ms, mean = 1.5 ms, median = 1.5 ms", "no throughput")]
    [InlineData("=== Performance summary ===\n[I] Throughput: 10 qps\n[I] H2D Latency: min = 1 ms, max = 1 ms, mean = 1 ms, median = 1 ms", "no latency line")]
    [InlineData("=== Performance summary ===\n[I] Throughput: 10 qps\n[I] Latency: min = 1 ms, max = 2 ms", "lacks min, max, mean or median")]
    public void Parse_WithoutASummary_SaysWhatIsMissing(string output, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => Trtexec.Parse(output));
        Assert.Contains(message, e.Message);
    }
}
