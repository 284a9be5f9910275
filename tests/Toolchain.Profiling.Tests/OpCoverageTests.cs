using Toolchain.Graph;
using Toolchain.TestSupport;

namespace Toolchain.Profiling.Tests;

/// <summary>
/// The latency profiler's role for every <see cref="OpKind"/>: an op is timed (as a layer of its own or fused into
/// a conv/Gemm), free (moves no data), or refused by name. A refusal must name the node and the op, so a user whose
/// model cannot be profiled yet learns which layer is to blame.
/// </summary>
public sealed class OpCoverageTests
{
    public static TheoryData<OpKind> Ops => new(OpSamples.All);

    [Theory]
    [MemberData(nameof(Ops))]
    public void Decompose_EveryOp_TimesItLeavesItFreeOrRefusesNamingIt(OpKind op)
    {
        using var graph = OpSamples.Containing(op);
        if (op is OpKind.Concat or OpKind.Split or OpKind.Slice or OpKind.Transpose or OpKind.Pad or OpKind.ReduceMean)
        {
            var e = Assert.Throws<NotSupportedException>(() => LayerUnits.Decompose(graph));
            Assert.Contains($"node 'op' ({op}) cannot be timed by the latency profiler yet", e.Message);
            return;
        }

        var units = LayerUnits.Decompose(graph);
        var free = op is OpKind.Flatten or OpKind.Reshape or OpKind.Identity or OpKind.Dropout;
        Assert.Equal(!free, units.Any(u => u.Nodes.Any(n => n.Name == "op")));
    }
}
