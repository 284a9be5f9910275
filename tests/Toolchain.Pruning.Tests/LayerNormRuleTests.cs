using Toolchain.Graph;
using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Pruning.Tests;

/// <summary>
/// LayerNorm over channels couples them: a pruned channel (even one masked to zero) would change the mean and
/// variance the others are normalised by, so the group through it is unprunable with that reason — never approximated.
/// </summary>
public sealed class LayerNormRuleTests
{
    [Fact]
    public void LayerNorm_KeepsItsChannelsGroupUnprunableWithTheReason_AndLeavesTheGroupsAfterAConvPrunable()
    {
        using var scope = DisposeScope.Enter();
        using var b = new GraphBuilder("ln", [2, 3, 8, 8], seed: 3);
        var x = b.LayerNorm(b.Conv(b.Input, 6, 3, padding: 1, name: "head"), 1e-6, "norm");
        var inner = b.Gelu(b.Conv(x, 12, 1, name: "expand"), "act");
        b.Output(b.Conv(b.Add(b.Conv(inner, 6, 1, name: "project"), x, "residual"), 3, 1, name: "tail"));
        using var graph = b.Build();

        var groups = ChannelGroups.Discover(graph);
        var head = groups.Groups.Single(g => g.Producers.Contains("head"));
        Assert.False(head.Prunable);
        Assert.Contains("'norm' (LayerNorm) normalises over these channels", head.Reason);
        Assert.Contains("project", head.Producers); // the residual stream is one group through the norm
        var expand = groups.Groups.Single(g => g.Producers.Contains("expand"));
        Assert.True(expand.Prunable, expand.Reason); // the inner width of the block, through GELU, still prunes
        PruningTestSupport.AssertCompactionPreservesFunction(graph, PruningTestSupport.Input(graph, batch: 2));
    }
}
