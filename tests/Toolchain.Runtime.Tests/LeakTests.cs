using Toolchain.TestSupport;
using Xunit.Abstractions;

namespace Toolchain.Runtime.Tests;

[Collection(SerialCollection.Name)]
public sealed class LeakTests(ITestOutputHelper output)
{
    [Fact]
    public void OrtSessions_CreatedRunAndReleasedInALoop_KeepMemoryFlat()
    {
        var model = File.ReadAllBytes(OnnxModels.ConvNet);
        var x = OnnxModels.ConvNetInput(5);
        var options = new OrtEngineOptions { IntraOpThreads = 1 };
        long afterWarmup = 0;
        for (var i = 0; i < 250; i++)
        {
            // Alternate the two ways of loading so both release everything they create.
            using var engine = i % 2 == 0 ? OrtEngine.Load(model, "convnet", options) : OrtEngine.Load(OnnxModels.ConvNet, options);
            for (var r = 0; r < 4; r++) engine.Run([x]);
            if (i == 49) afterWarmup = ResidentBytes();
        }

        var afterAll = ResidentBytes();
        output.WriteLine($"resident after warm-up {afterWarmup >> 10} KiB, after 200 more sessions {afterAll >> 10} KiB");
        // 200 sessions after warm-up; leaking one session (weights, arena, kernels) per iteration would show as
        // tens of megabytes.
        Assert.True(afterAll - afterWarmup < 16 << 20,
            $"resident memory grew by {(afterAll - afterWarmup) / 1024} KiB over 200 session lifetimes");
    }

    [Fact]
    public void OrtRuns_ManyOnOneSession_KeepMemoryFlat()
    {
        // Two 64 KiB outputs per run: a run that leaked its output values would grow memory by 128 KiB each time.
        using var engine = OrtEngine.Load(OnnxModels.TwoInputs, new OrtEngineOptions { IntraOpThreads = 1 });
        var a = new HostTensor([4096, 4], Enumerable.Range(0, 4096 * 4).Select(i => i * 0.001f).ToArray());
        long afterWarmup = 0;
        for (var i = 0; i < 1200; i++)
        {
            engine.Run([a, a]);
            if (i == 199) afterWarmup = ResidentBytes();
        }

        var afterAll = ResidentBytes();
        output.WriteLine($"resident after warm-up {afterWarmup >> 10} KiB, after 1000 more runs {afterAll >> 10} KiB; GC committed {GC.GetGCMemoryInfo().TotalCommittedBytes >> 10} KiB, heap {GC.GetTotalMemory(true) >> 10} KiB");
        Assert.True(afterAll - afterWarmup < 16 << 20,
            $"resident memory grew by {(afterAll - afterWarmup) / 1024} KiB over 1000 runs");
    }

    internal static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // Aggressive mode also returns the managed heap's free space to the OS, so what remains in resident memory that
        // grows is native memory (the outputs' float[]s of earlier runs would otherwise stay committed).
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return ProcessCounters.AnonymousResidentBytes();
    }
}
