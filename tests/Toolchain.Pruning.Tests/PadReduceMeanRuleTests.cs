using Toolchain.Graph;
using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Pruning.Tests;

/// <summary>
/// Pad and ReduceMean as channel rules: per-channel forms pass channels (and prune and compact exactly), forms that
/// mix or invent channels keep the group whole and say why; plus every op of the enum through discovery and
/// compaction.
/// </summary>
public sealed class PadReduceMeanRuleTests
{
    public static TheoryData<OpKind> Ops => new(OpSamples.All);

    [Theory]
    [MemberData(nameof(Ops))]
    public void EveryOp_RandomHalfOfEveryGroup_CompactsToTheMaskedGraphsFunction(OpKind op)
    {
        using var scope = DisposeScope.Enter();
        using var graph = OpSamples.Containing(op);
        var groups = ChannelGroups.Discover(graph);
        // The op's node is a member of some group: its rule took part in discovery.
        Assert.Contains(groups.Groups, g => g.AffectedNodes.Contains("op"));
        if (op == OpKind.LayerNorm)
        {
            // Its channels are coupled by the normalisation: the sample's only inner group stays, with the reason.
            Assert.All(groups.Groups.Where(g => g.AffectedNodes.Contains("op")), g => Assert.Contains("normalises over these channels", g.Reason));
            return;
        }

        PruningTestSupport.AssertCompactionPreservesFunction(graph, PruningTestSupport.Input(graph, batch: 2), seed: (int)op);
    }

    [Theory]
    [InlineData(PadMode.Constant)]
    [InlineData(PadMode.Reflect)]
    [InlineData(PadMode.Edge)]
    public void SpatialPad_PassesChannels_GroupSpansBothConvsAndCompactsExactly(PadMode mode)
    {
        using var scope = DisposeScope.Enter();
        using var graph = PadThenConv([0, 0, 1, 2, 0, 0, 2, 1], mode, 0);
        var head = ChannelGroups.Discover(graph).Groups.Single(g => g.Producers.Contains("head"));
        Assert.True(head.Prunable, head.Reason);
        Assert.Contains("pad", head.AffectedNodes);
        Assert.Contains("tail", head.AffectedNodes);
        PruningTestSupport.AssertCompactionPreservesFunction(graph, PruningTestSupport.Input(graph, batch: 2));
    }

    [Theory]
    [InlineData(new long[] { 0, 1, 0, 0, 0, 1, 0, 0 }, PadMode.Constant, 0, "pads dimension 1, which carries channels (constant mode)")]
    [InlineData(new long[] { 0, 2, 0, 0, 0, 0, 0, 0 }, PadMode.Edge, 0, "pads dimension 1, which carries channels (edge mode)")]
    [InlineData(new long[] { 1, 0, 0, 0, 0, 0, 0, 0 }, PadMode.Constant, 0, "pads the batch dimension")]
    [InlineData(new long[] { 0, 0, 1, 1, 0, 0, 1, 1 }, PadMode.Constant, 0.5, "pads with the constant 0.5: a pruned (zeroed) channel")]
    public void PadThatCannotCarryPrunedChannels_LeavesTheGroupUnprunableWithTheReason(long[] pads, PadMode mode, double value, string reason)
    {
        using var graph = PadThenConv(pads, mode, value);
        var head = ChannelGroups.Discover(graph).Groups.Single(g => g.Producers.Contains("head"));
        Assert.False(head.Prunable);
        Assert.Contains("'pad' (Pad)", head.Reason);
        Assert.Contains(reason, head.Reason);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GlobalPoolingAsReduceMeanOverHW_PrunesLikeGlobalAveragePool(bool keepDims)
    {
        using var scope = DisposeScope.Enter();
        using var asMean = Pooled(b => b.ReduceMean("head_relu", [2, 3], keepDims, "pool"), keepDims);
        using var asPool = Pooled(b => b.GlobalAveragePool("head_relu", "pool"), keepDims: true);
        var (mean, pool) = (ChannelGroups.Discover(asMean), ChannelGroups.Discover(asPool));
        // Same groups (names, widths, prunability) and the same predicted costs at every width.
        Assert.Equal(pool.Groups.Select(g => $"{g.Name}:{g.Channels}:{g.Prunable}"), mean.Groups.Select(g => $"{g.Name}:{g.Channels}:{g.Prunable}"));
        var widths = mean.Groups.Select(g => g.Prunable ? (g.Channels + 1) / 2 : g.Channels).ToArray();
        Assert.Equal(new MacCost(pool).Total(widths), new MacCost(mean).Total(widths));
        Assert.Contains(mean.Groups, g => g.Prunable && g.AffectedNodes.Contains("pool"));
        PruningTestSupport.AssertCompactionPreservesFunction(asMean, PruningTestSupport.Input(asMean, batch: 2));
    }

    [Fact]
    public void ReduceMeanOverChannels_LeavesTheGroupUnprunableWithTheReason()
    {
        using var b = new GraphBuilder("mean_channels", [2, 3, 8, 8], seed: 2);
        var x = b.Relu(b.Conv(b.Input, 6, 3, padding: 1, name: "head"), "head_relu");
        var m = b.ReduceMean(x, [1], name: "mean");
        b.Output(b.Conv(m, 4, 1, name: "tail"));
        using var graph = b.Build();

        var head = ChannelGroups.Discover(graph).Groups.Single(g => g.Producers.Contains("head"));
        Assert.False(head.Prunable);
        Assert.Contains("'mean' (ReduceMean) averages over dimension 1, which carries channels: every output mixes all of them", head.Reason);
    }

    private static ModelGraph PadThenConv(long[] pads, PadMode mode, double value)
    {
        using var b = new GraphBuilder("pad", [2, 3, 8, 8], seed: 3);
        var x = b.Relu(b.Conv(b.Input, 6, 3, padding: 1, name: "head"), "head_relu");
        x = b.Pad(x, pads, mode, value, "pad");
        b.Output(b.Conv(b.Relu(b.Conv(x, 5, 3, name: "tail"), "tail_relu"), 4, 1, name: "out"));
        return b.Build();
    }

    /// <summary>head → pool → (flatten when kept) → Linear, with the pool built by <paramref name="pool"/>.</summary>
    private static ModelGraph Pooled(Func<GraphBuilder, string> pool, bool keepDims)
    {
        using var b = new GraphBuilder("pooled", [2, 3, 8, 8], seed: 5);
        b.Relu(b.Conv(b.Input, 6, 3, padding: 1, name: "head"), "head_relu");
        var y = pool(b);
        if (keepDims) y = b.Flatten(y, name: "flatten");
        b.Output(b.Linear(y, 4, name: "fc"));
        return b.Build();
    }
}
