using Toolchain.Graph;
using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Pruning.Tests;

public sealed class CompactionTests
{
    public static TheoryData<string> Topologies => new(TopologyZoo.Names);

    [Theory]
    [MemberData(nameof(Topologies))]
    public void Compact_RandomHalfOfEveryGroup_MatchesMaskedGraphPredictedCostsAndReloads(string topology)
    {
        using var scope = DisposeScope.Enter();
        using var dir = new TempDirectory();
        using var graph = TopologyZoo.Create(topology);
        var x = PruningTestSupport.Input(graph, batch: 3);
        var report = PruningTestSupport.AssertCompactionPreservesFunction(graph, x, seed: topology.Length);
        Assert.Empty(report.Folds); // masked channels contribute nothing: nothing to fold

        GraphFile.Save(graph, dir.File("small.safetensors"));
        using var loaded = GraphFile.Load(dir.File("small.safetensors"));
        Assert.Equal(graph.Nodes, loaded.Graph.Nodes);
        Assert.Equal(graph.ParameterCount, loaded.Graph.ParameterCount);
        TensorAssert.Close(graph.Forward(x), loaded.Graph.Forward(x), 0, 0, $"{topology} after reload");
    }

    public static TheoryData<string> ZooModels => new(ModelZoo.Names);

    [Theory]
    [MemberData(nameof(ZooModels))]
    public void Compact_ZooModel_MatchesMaskedGraphAndPredictedCosts(string model)
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create(model);
        // ImageNet models end in a global pool, so a 64×64 input keeps one forward pass quick on two cores.
        var x = PruningTestSupport.Input(graph, batch: 1, size: graph.InputShape[2] > 64 ? 64 : null);
        PruningTestSupport.AssertCompactionPreservesFunction(graph, x, seed: 7);
    }

    [Fact]
    public void Compact_Split_RewritesTheSizes()
    {
        using var scope = DisposeScope.Enter();
        using var graph = TopologyZoo.Create("split");
        var groups = ChannelGroups.Discover(graph);
        var masks = new GroupMasks(groups);
        masks.KeepOnly(1, [2]);
        masks.KeepOnly(2, [0, 3, 4]);
        Compactor.Compact(groups, masks);
        Assert.Equal([1L, 3], graph.GetNode("split").AttributesAs<SplitAttributes>().Sizes);
        Assert.Equal([4, 3, 3, 3], graph.GetTensor("stem.weight").Shape);
        Assert.Equal([4, 1, 3, 3], graph.GetTensor("left.weight").Shape);
        Assert.Equal([4, 3, 3, 3], graph.GetTensor("right.weight").Shape);
    }

    [Fact]
    public void Compact_DepthwiseConv_ChangesGroupsWithTheWeight()
    {
        using var scope = DisposeScope.Enter();
        using var graph = TopologyZoo.Create("depthwise");
        var groups = ChannelGroups.Discover(graph);
        var masks = new GroupMasks(groups);
        masks.KeepOnly(1, [1, 2, 6]);
        Compactor.Compact(groups, masks);
        Assert.Equal(3, graph.GetNode("dw").AttributesAs<ConvAttributes>().Groups);
        Assert.Equal([3, 1, 3, 3], graph.GetTensor("dw.weight").Shape);
        Assert.Equal([6, 3, 1, 1], graph.GetTensor("project.weight").Shape);
    }

    [Fact]
    public void Compact_GroupedConv_KeepsGroupsAndShrinksEachEqually()
    {
        using var scope = DisposeScope.Enter();
        using var graph = TopologyZoo.Create("grouped");
        var groups = ChannelGroups.Discover(graph);
        var masks = new GroupMasks(groups);
        masks.KeepOnly(1, [1]);
        masks.KeepOnly(2, [0, 2]);
        Compactor.Compact(groups, masks);
        Assert.Equal(4, graph.GetNode("gconv").AttributesAs<ConvAttributes>().Groups);
        Assert.Equal([8, 1, 3, 3], graph.GetTensor("gconv.weight").Shape);
        Assert.Equal([4, 3, 3, 3], graph.GetTensor("stem.weight").Shape);
    }

    [Fact]
    public void Compact_ChannelShuffle_RewritesTheReshapeTargets()
    {
        using var scope = DisposeScope.Enter();
        using var graph = TopologyZoo.Create("shuffle");
        var groups = ChannelGroups.Discover(graph);
        var masks = new GroupMasks(groups);
        masks.KeepOnly(2, [0, 3, 1]);
        Compactor.Compact(groups, masks);
        Assert.Equal([0L, 2, 3, 8, 8], graph.GetNode("shuffle_split").AttributesAs<ReshapeAttributes>().Shape);
        Assert.Equal([0L, 6, 8, 8], graph.GetNode("shuffle_merge").AttributesAs<ReshapeAttributes>().Shape);
        Assert.Equal([2, 6, 8, 8], graph.ShapeOf("shuffle_merge"));
    }

    [Fact]
    public void Compact_SliceOfSplit_RewritesTheBounds()
    {
        using var scope = DisposeScope.Enter();
        using var graph = TopologyZoo.Create("mixed");
        var groups = ChannelGroups.Discover(graph);
        var masks = new GroupMasks(groups);
        masks.KeepOnly(3, [1, 3]); // stem channels 5 and 7, read through split:1[1:5]
        Compactor.Compact(groups, masks);
        Assert.Equal([3L, 3], graph.GetNode("split").AttributesAs<SplitAttributes>().Sizes);
        var slice = graph.GetNode("slice").AttributesAs<SliceAttributes>();
        Assert.Equal((1L, 3L), (slice.Start, slice.End));
        Assert.Equal(2, graph.GetNode("depthwise").AttributesAs<ConvAttributes>().Groups);
        Assert.Equal([2, 4 * 4 * (6 + 2)], graph.ShapeOf("reshape")); // NHWC features of the 8 remaining channels
    }

    [Fact]
    public void Compact_NothingRemoved_LeavesTheGraphAlone()
    {
        using var graph = TopologyZoo.Create("concat");
        var groups = ChannelGroups.Discover(graph);
        var before = graph.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        var report = Compactor.Compact(groups, new GroupMasks(groups));
        Assert.Equal(report.ParametersBefore, report.ParametersAfter);
        Assert.All(graph.StateDict(), kv => Assert.Same(before[kv.Key], kv.Value));
    }

    [Fact]
    public void Compact_RoundTo_AlignsKeptWidthsByKeepingMaskedChannels()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        GraphFixtures.RandomizeBatchNorms(graph);
        var groups = ChannelGroups.Discover(graph);
        var masks = new GroupMasks(groups);
        foreach (var g in groups.Prunable) masks.KeepOnly(g.Id, Enumerable.Range(0, g.Channels / 2 - 3));
        Masking.Apply(groups, masks);
        var x = Tensor.RandN([2, 3, 32, 32]);
        var masked = graph.Forward(x);
        var report = Compactor.Compact(groups, masks, new CompactionOptions { RoundTo = 8 });
        Assert.All(groups.Prunable, g => Assert.Equal(0, report.WidthsAfter[g.Id] % 8));
        Assert.All(groups.Prunable, g => Assert.True(report.WidthsAfter[g.Id] > masks.Width(g.Id)));
        Assert.True(TensorAssert.MaxRelativeToScale(masked, graph.Forward(x)) <= 1e-5);
    }
}
