using Xunit.Abstractions;

namespace Toolchain.Runtime.Tests;

public sealed class OrtProfilingTests(ITestOutputHelper output)
{
    private static readonly string[] ConvNetNodes = ["conv", "relu", "pool", "flatten", "fc"];

    [Fact]
    public void EndProfiling_UnoptimisedConvNet_TimesEveryNodeAndDeletesTheTrace()
    {
        var options = new OrtEngineOptions { EnableProfiling = true, Optimization = GraphOptimization.Disabled, IntraOpThreads = 1 };
        using var engine = OrtEngine.Load(OnnxModels.ConvNet, options);
        var x = OnnxModels.ConvNetInput(5);
        const int runs = 20;
        for (var i = 0; i < runs; i++) engine.Run([x]);
        var before = TraceFiles();

        var timings = engine.EndProfiling();
        foreach (var t in timings) output.WriteLine(t.ToString());

        Assert.Equal(ConvNetNodes, timings.Select(t => t.NodeName));
        Assert.Equal(["Conv", "Relu", "GlobalAveragePool", "Flatten", "Gemm"], timings.Select(t => t.OpType));
        foreach (var t in timings)
        {
            Assert.Equal(runs, t.Calls);
            Assert.True(t.TotalMicroseconds > 0, $"{t.NodeName}: no time recorded");
            Assert.Equal((double)t.TotalMicroseconds / t.Calls, t.MeanMicroseconds, 9);
        }

        // The convolution does far more work than the reshape.
        Assert.True(timings[0].TotalMicroseconds > timings[3].TotalMicroseconds);
        Assert.Empty(TraceFiles().Except(before));
        Assert.Throws<InvalidOperationException>(() => engine.EndProfiling());
    }

    [Fact]
    public void EndProfiling_KeepTrace_MovesTheChromeTraceThere()
    {
        using var dir = new TestSupport.TempDirectory();
        var keep = dir.File("trace.json");
        using var engine = OrtEngine.Load(OnnxModels.ConvNet, new OrtEngineOptions { EnableProfiling = true });
        engine.Run([OnnxModels.ConvNetInput(2)]);

        var timings = engine.EndProfiling(keep);

        Assert.NotEmpty(timings);
        Assert.True(File.Exists(keep));
        Assert.StartsWith("[", File.ReadAllText(keep).TrimStart());
    }

    [Fact]
    public void EndProfiling_WhenNotEnabled_Throws()
    {
        using var engine = OrtEngine.Load(OnnxModels.ConvNet, null);
        var e = Assert.Throws<InvalidOperationException>(() => engine.EndProfiling());
        Assert.Contains("EnableProfiling", e.Message);
    }

    [Fact]
    public void Dispose_WithProfilingRunning_LeavesNoTraceBehind()
    {
        var before = TraceFiles();
        using (var engine = OrtEngine.Load(OnnxModels.ConvNet, new OrtEngineOptions { EnableProfiling = true }))
        {
            engine.Run([OnnxModels.ConvNetInput(2)]);
        }

        Assert.Empty(TraceFiles().Except(before));
    }

    [Fact]
    public void Parse_RepeatedKernelEvents_AreSummedPerNode()
    {
        const string trace = """
            [
              {"cat": "Session", "name": "model_run", "dur": 900},
              {"cat": "Node", "name": "a_fence_before", "dur": 0, "args": {"op_name": "Conv"}},
              {"cat": "Node", "name": "a_kernel_time", "dur": 10, "args": {"op_name": "Conv"}},
              {"cat": "Node", "name": "b_kernel_time", "dur": 3, "args": {"op_name": "Relu"}},
              {"cat": "Node", "name": "a_kernel_time", "dur": 20, "args": {"op_name": "Conv"}},
            ]
            """;
        var timings = OrtTrace.Summarize(OrtTrace.Parse(trace, "test"));

        Assert.Equal([new NodeTiming("a", "Conv", 30, 2, 15), new NodeTiming("b", "Relu", 3, 1, 3)], timings);
        Assert.Throws<InvalidDataException>(() => OrtTrace.Parse("{\"not\": \"an array\"}", "test"));
        Assert.Throws<InvalidDataException>(() => OrtTrace.Parse("[{", "test"));
    }

    // Other tests' profiling sessions write traces concurrently: compare sets, not counts.
    private static HashSet<string> TraceFiles() =>
        Directory.GetFiles(Path.GetTempPath(), "toolchain-ort-profile-*").ToHashSet();
}
