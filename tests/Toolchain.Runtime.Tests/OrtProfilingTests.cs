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

        Assert.Empty(TraceFiles(engine));
        Assert.Throws<InvalidOperationException>(() => engine.EndProfiling());
    }

    [Fact]
    public void EndProfiling_KeepTrace_MovesTheChromeTraceThere()
    {
        using var dir = new TestSupport.TempDirectory();
        var keep = dir.File("trace.json");
        var options = new OrtEngineOptions { EnableProfiling = true, Optimization = GraphOptimization.Disabled, IntraOpThreads = 1 };
        using var engine = OrtEngine.Load(OnnxModels.ConvNet, options);
        for (var i = 0; i < 5; i++) engine.Run([OnnxModels.ConvNetInput(2)]);

        var timings = engine.EndProfiling(keep);

        Assert.NotEmpty(timings);
        Assert.True(File.Exists(keep));
        Assert.StartsWith("[", File.ReadAllText(keep).TrimStart());
        // The kept trace holds every call: the convolution does far more work than the reshape. Compared by each node's
        // fastest call, since a preemption on a busy machine only adds time (a sum over calls can be reordered by one).
        var calls = OrtTrace.Read(keep).ToDictionary(n => n.Node, n => n.DurationsUs);
        Assert.Equal(5, calls["conv"].Count);
        Assert.True(calls["conv"].Min() > calls["flatten"].Min(), $"conv {calls["conv"].Min()} µs, flatten {calls["flatten"].Min()} µs");
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
        OrtEngine engine;
        using (engine = OrtEngine.Load(OnnxModels.ConvNet, new OrtEngineOptions { EnableProfiling = true }))
        {
            engine.Run([OnnxModels.ConvNetInput(2)]);
        }

        Assert.Empty(TraceFiles(engine));
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

    // This engine's trace files alone: other tests and test processes profile into the same folder at the same time,
    // so a before/after comparison of the whole folder catches their traces in flight.
    private static string[] TraceFiles(OrtEngine engine)
    {
        var prefix = engine.TracePrefix ?? throw new InvalidOperationException("the engine was loaded without profiling");
        return Directory.GetFiles(Path.GetDirectoryName(prefix)!, Path.GetFileName(prefix) + "*");
    }
}
