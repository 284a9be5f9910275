using Toolchain.Graph;

namespace Toolchain.Pruning.Tests;

public sealed class BadInputTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.2)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void SelectMasks_RatioOutsideZeroOne_Throws(double ratio)
    {
        using var graph = TopologyZoo.Create("residual");
        var groups = ChannelGroups.Discover(graph);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => UniformPruning.SelectMasks(groups, new FilterNorm(1), ratio));
        Assert.Equal("ratio", e.ParamName);
        Assert.Contains("strictly between 0 and 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => OneShotPruning.Prune(graph, new FilterNorm(1), ratio));
    }

    [Fact]
    public void Set_MaskRemovingEveryChannel_ThrowsNamingTheGroup()
    {
        using var graph = TopologyZoo.Create("residual");
        var masks = new GroupMasks(ChannelGroups.Discover(graph));
        var e = Assert.Throws<ArgumentException>(() => masks.Set(2, new bool[6]));
        Assert.Contains("group 2 'conv1'", e.Message);
        Assert.Contains("removes all 6 channels; keep at least one", e.Message);
        Assert.Equal(6, masks.Width(2));
    }

    [Fact]
    public void Set_MaskOfWrongLengthOrUnprunableGroup_Throws()
    {
        using var graph = TopologyZoo.Create("residual");
        var masks = new GroupMasks(ChannelGroups.Discover(graph));
        Assert.Contains("has 6 channels; the mask has 5 entries", Assert.Throws<ArgumentException>(() => masks.Set(2, new bool[5] { true, true, true, true, true })).Message);
        var e = Assert.Throws<ArgumentException>(() => masks.KeepOnly(4, [0, 1]));
        Assert.Contains("group 4 'fc' cannot be pruned (reaches the graph output 'fc')", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => masks.KeepOnly(2, [6]));
        Assert.Throws<ArgumentOutOfRangeException>(() => masks.Set(9, [true]));
    }

    [Fact]
    public void SelectMasks_ModelWithoutPrunableGroup_Throws()
    {
        using var b = new GraphBuilder("linear_only", [2, 3, 4, 4]);
        var x = b.GlobalAveragePool(b.Input, "pool");
        x = b.Flatten(x, name: "flatten");
        b.Output(b.Linear(x, 2, name: "fc"));
        using var graph = b.Build();
        var groups = ChannelGroups.Discover(graph);
        Assert.Empty(groups.Prunable);
        var e = Assert.Throws<ArgumentException>(() => UniformPruning.SelectMasks(groups, new FilterNorm(1), 0.5));
        Assert.Contains("graph 'linear_only' has no prunable channel group", e.Message);
        Assert.Contains("graph input", e.Message);
    }

    [Fact]
    public void Costs_WidthsOutOfRange_Throw()
    {
        using var graph = TopologyZoo.Create("residual");
        var groups = ChannelGroups.Discover(graph);
        var macs = new MacCost(groups);
        var widths = groups.FullWidths();
        Assert.Throws<ArgumentException>(() => macs.Total(widths[..^1]));
        widths[2] = 0;
        Assert.Contains("width must be 1…6", Assert.Throws<ArgumentOutOfRangeException>(() => macs.Total(widths)).Message);
        widths = groups.FullWidths();
        widths[0] = 2;
        Assert.Contains("cannot be pruned", Assert.Throws<ArgumentException>(() => macs.Total(widths)).Message);
        widths = groups.FullWidths();
        widths[2] = 1;
        Assert.Contains("no channel is left to remove", Assert.Throws<ArgumentOutOfRangeException>(() => macs.Marginal(widths, 2)).Message);
    }

    [Fact]
    public void MasksOfAnotherDiscovery_AreRejected()
    {
        using var graph = TopologyZoo.Create("residual");
        var groups = ChannelGroups.Discover(graph);
        var other = new GroupMasks(ChannelGroups.Discover(graph));
        Assert.Throws<ArgumentException>(() => Masking.Apply(groups, other));
        Assert.Throws<ArgumentException>(() => Compactor.Compact(groups, other));
    }

    [Fact]
    public void UnknownNamesAndBadRoundTo_Throw()
    {
        using var graph = TopologyZoo.Create("residual");
        var groups = ChannelGroups.Discover(graph);
        Assert.Contains("known: l1, l2, bn, random", Assert.Throws<ArgumentException>(() => Importance.Create("l3")).Message);
        Assert.Contains("known: params, macs", Assert.Throws<ArgumentException>(() => CostModels.Create("flops", groups)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => UniformPruning.SelectMasks(groups, new FilterNorm(1), 0.5, roundTo: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Compactor.Compact(groups, new GroupMasks(groups), new CompactionOptions { RoundTo = 0 }));
    }

    [Fact]
    public void BatchNormScale_GroupWithoutBatchNorm_Throws()
    {
        using var graph = TopologyZoo.Create("concat");
        var groups = ChannelGroups.Discover(graph);
        var e = Assert.Throws<ArgumentException>(() => new BatchNormScale().Score(groups, groups[2]));
        Assert.Contains("group 2 'a' has no BatchNorm", e.Message);
    }
}
