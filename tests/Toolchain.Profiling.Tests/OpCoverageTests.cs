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
        // The sample's Mul is a squeeze-excite gate ([N, C, H, W] · [N, C, 1, 1]); the profiler times equal shapes only.
        var refusal = op switch
        {
            OpKind.Concat or OpKind.Split or OpKind.Slice or OpKind.Transpose or OpKind.Pad or OpKind.ReduceMean =>
                $"node 'op' ({op}) cannot be timed by the latency profiler yet",
            OpKind.Resize => "node 'op' (Resize) cannot be timed by the latency profiler yet",
            OpKind.Mul => "Mul 'op' broadcasts; the profiler times elementwise ops on equal shapes only",
            _ => null,
        };
        if (refusal is not null)
        {
            var e = Assert.Throws<NotSupportedException>(() => LayerUnits.Decompose(graph));
            Assert.Contains(refusal, e.Message);
            return;
        }

        var units = LayerUnits.Decompose(graph);
        var free = op is OpKind.Flatten or OpKind.Reshape or OpKind.Identity or OpKind.Dropout;
        Assert.Equal(!free, units.Any(u => u.Nodes.Any(n => n.Name == "op")));
    }
}
