using Toolchain.Graph;
using Toolchain.Torch;

namespace Toolchain.Pruning.Tests;

public sealed class GroupDiscoveryTests
{
    // name:channels, with "!" for unprunable groups, in discovery order.
    public static TheoryData<string, string[]> Expected => new()
    {
        { "residual", ["input:3!", "stem (+1 coupled):8", "conv1:6", "head:5", "fc:3!"] },
        { "projection", ["input:3!", "stem:8", "conv1:12", "conv2 (+1 coupled):12", "fc:3!"] },
        { "concat", ["input:3!", "stem:8", "a:4", "b:6", "mix:5", "fc:3!"] },
        { "split", ["input:3!", "stem[0:3]:3", "stem[3:8]:5", "left (+1 coupled):4", "fc:3!"] },
        { "depthwise", ["input:3!", "expand (+1 coupled):8", "project:6", "fc:3!"] },
        { "grouped", ["input:3!", "stem:2", "gconv:3", "after:6", "fc:3!"] },
        { "flatten_linear", ["input:3!", "conv:6", "fc1:10", "fc2:3!"] },
        { "squeeze_excite", ["input:3!", "conv (+1 coupled):8", "se_reduce:4", "out:5", "fc:3!"] },
        { "shuffle", ["input:3!", "stem:4", "gconv:4", "after:6", "fc:3!"] },
        { "mixed", ["input:3!", "stem[0:3] (+2 coupled):3", "stem[3:4]:1!", "stem[4:8] (+2 coupled):4", "fc:5!"] },
    };

    [Theory]
    [MemberData(nameof(Expected))]
    public void Discover_Topology_GivesExpectedGroups(string topology, string[] expected)
    {
        using var graph = TopologyZoo.Create(topology);
        var groups = ChannelGroups.Discover(graph);
        Assert.Equal(expected, groups.Groups.Select(g => $"{g.Name}:{g.Channels}{(g.Prunable ? "" : "!")}"));
        Assert.Equal(Enumerable.Range(0, groups.Count), groups.Groups.Select(g => g.Id));
        Assert.Contains("connected to the graph input 'input'", groups[0].Reason);
        Assert.Contains($"reaches the graph output '{graph.OutputName}'", groups.Groups[^1].Reason);
        foreach (var g in groups.Groups)
        {
            // Every member holds every channel of its group the same number of times.
            Assert.All(g.Members, m => Assert.Equal(g.Channels, m.Positions.Count));
            Assert.All(g.Members, m => Assert.All(m.Positions, p => Assert.Equal(m.Multiplicity, p.Length)));
        }
    }

    [Fact]
    public void Discover_Residual_CouplesBothAddendsTheirBatchNormsAndTheConsumers()
    {
        using var graph = TopologyZoo.Create("residual");
        var g = ChannelGroups.Discover(graph)[1];
        Assert.Equal(["stem", "conv2"], g.Producers);
        var tensors = g.Members.Where(m => m.Kind == MemberKind.Tensor).Select(m => $"{m.Name}/{m.Axis}").ToList();
        Assert.Equal(["stem.weight/0", "stem.bias/0", "stem_bn.weight/0", "stem_bn.bias/0", "stem_bn.running_mean/0", "stem_bn.running_var/0",
            "conv1.weight/1", "conv2.weight/0", "conv2_bn.weight/0", "conv2_bn.bias/0", "conv2_bn.running_mean/0", "conv2_bn.running_var/0",
            "head.weight/1"], tensors);
        Assert.Equal(["stem", "stem_bn", "stem_relu", "conv1", "conv2", "conv2_bn", "add", "add_relu", "head"], g.AffectedNodes);
    }

    [Fact]
    public void Discover_Concat_PlacesEachBranchAtItsOffset()
    {
        using var graph = TopologyZoo.Create("concat");
        var groups = ChannelGroups.Discover(graph);
        var (a, b) = (groups[2], groups[3]);
        Assert.Equal(0, a.Members.Single(m => m.Name == "cat").Offset);
        Assert.Equal(4, b.Members.Single(m => m.Name == "cat").Offset);
        Assert.Equal([4, 5, 6, 7, 8, 9], b.Members.Single(m => m.Name == "mix.weight").Positions.Select(p => p.Single()));
    }

    [Fact]
    public void Discover_FlattenIntoLinear_GivesEachChannelABlockOfFeatures()
    {
        using var graph = TopologyZoo.Create("flatten_linear");
        var conv = ChannelGroups.Discover(graph)[1];
        var fc1 = conv.Members.Single(m => m.Name == "fc1.weight");
        Assert.Equal(1, fc1.Axis);
        Assert.Equal(16, fc1.Multiplicity); // 4×4 after the max-pool
        Assert.Equal(Enumerable.Range(32, 16), fc1.Positions[2]);
    }

    [Fact]
    public void Discover_DepthwiseConv_CouplesItsFiltersWithItsInputs()
    {
        using var graph = TopologyZoo.Create("depthwise");
        var g = ChannelGroups.Discover(graph)[1];
        Assert.Equal(["expand", "dw"], g.Producers);
        Assert.DoesNotContain(g.Members, m => m.Name == "dw.weight" && m.Axis == 1);
    }

    [Fact]
    public void Discover_GroupedConv_TiesPositionJOfEveryConvGroup()
    {
        using var graph = TopologyZoo.Create("grouped");
        var groups = ChannelGroups.Discover(graph);
        // 4 conv groups of 2 inputs: stem channel j and j+2, j+4, j+6 go together.
        var stem = groups[1].Members.Single(m => m.Name == "stem.weight");
        Assert.Equal([[0, 2, 4, 6], [1, 3, 5, 7]], stem.Positions);
        Assert.Equal([[0], [1]], groups[1].Members.Single(m => m.Name == "gconv.weight" && m.Axis == 1).Positions);
        Assert.Equal([0, 3, 6, 9], groups[2].Members.Single(m => m.Name == "gconv.weight" && m.Axis == 0).Positions[0]);
    }

    [Fact]
    public void Discover_ChannelShuffle_FollowsThePermutation()
    {
        using var graph = TopologyZoo.Create("shuffle");
        var gconv = ChannelGroups.Discover(graph)[2];
        // gconv output channel i·4 + j lands at position j·2 + i after the shuffle.
        Assert.Equal([[0, 4], [1, 5], [2, 6], [3, 7]], gconv.Members.Single(m => m.Name == "gconv.weight").Positions);
        Assert.Equal([[0, 1], [2, 3], [4, 5], [6, 7]], gconv.Members.Single(m => m.Name == "after.weight").Positions);
    }

    [Fact]
    public void Discover_SqueezeExcite_CouplesTheGateWithTheFeatures()
    {
        using var graph = TopologyZoo.Create("squeeze_excite");
        var g = ChannelGroups.Discover(graph)[1];
        Assert.Equal(["conv", "se_expand"], g.Producers);
        Assert.Contains(g.Members, m => m.Name == "se_reduce.weight" && m.Axis == 1);
        Assert.Contains(g.Members, m => m.Name == "out.weight" && m.Axis == 1);
    }

    [Fact]
    public void Discover_ResNet20_OneGroupPerStageAndPerBlockInterior()
    {
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        Assert.Equal(14, groups.Count); // input, 3 stages, 9 block interiors, fc
        Assert.Equal(12, groups.Prunable.Count());
        var stage1 = groups.Groups.Single(g => g.Producers.Contains("conv1"));
        Assert.Equal(["conv1", "layer1.0.conv2", "layer1.1.conv2", "layer1.2.conv2"], stage1.Producers);
        var stage3 = groups.Groups.Single(g => g.Producers.Contains("layer3.0.downsample.0"));
        Assert.Equal(4, stage3.Producers.Count);
        Assert.Contains(stage3.Members, m => m.Name == "fc.weight" && m.Axis == 1);
    }

    [Fact]
    public void Discover_MobileNetV2_CouplesEveryDepthwiseConvWithTheConvFeedingIt()
    {
        using var graph = ModelZoo.Create("mobilenet_v2_cifar");
        var groups = ChannelGroups.Discover(graph);
        var depthwise = graph.Nodes.Where(n => n.Op == OpKind.Conv && n.AttributesAs<ConvAttributes>().Groups > 1).ToList();
        Assert.Equal(17, depthwise.Count);
        foreach (var dw in depthwise)
        {
            var group = groups.Groups.Single(g => g.Producers.Contains(dw.Name));
            var feeder = graph.Producer(graph.Producer(graph.Producer(dw.Inputs[0])!.Inputs[0])!.Inputs[0])!;
            Assert.Equal([feeder.Name, dw.Name], group.Producers);
            Assert.True(group.Prunable, group.ToString());
        }
    }

    [Fact]
    public void Discover_SliceWithStepOnChannels_IsUnprunableWithTheReason()
    {
        using var b = new GraphBuilder("strided", [1, 3, 8, 8]);
        var x = b.Conv(b.Input, 8, 3, padding: 1, name: "conv");
        x = b.Slice(x, axis: 1, start: 0, end: 8, step: 2, name: "every_other");
        x = b.Conv(x, 4, 1, name: "after");
        x = b.GlobalAveragePool(x, "pool");
        b.Output(b.Flatten(x, name: "flatten"));
        using var graph = b.Build();
        var groups = ChannelGroups.Discover(graph);
        var conv = groups.Groups.Single(g => g.Producers.Contains("conv"));
        Assert.False(conv.Prunable);
        Assert.Contains("'every_other' (Slice) slices the channel axis with step 2", conv.Reason);
    }

    [Fact]
    public void Discover_TransposeMovingTheBatch_IsUnprunableWithTheReason()
    {
        using var b = new GraphBuilder("batch_move", [2, 3, 4, 4]);
        var x = b.Conv(b.Input, 6, 1, name: "conv");
        x = b.Transpose(x, [1, 0, 2, 3], name: "swap");
        x = b.GlobalAveragePool(x, "pool");
        b.Output(b.Flatten(x, name: "flatten"));
        using var graph = b.Build();
        var conv = ChannelGroups.Discover(graph).Groups.Single(g => g.Producers.Contains("conv"));
        Assert.Contains("'swap' (Transpose) moves the batch dimension", conv.Reason);
    }

    [Fact]
    public void RuleTable_HasARuleForEveryOp()
    {
        foreach (var op in Enum.GetValues<OpKind>()) Assert.NotNull(ChannelRules.For(op));
    }

    [Fact]
    public void Groups_AfterTheGraphChanged_RefuseToBeUsed()
    {
        using var scope = DisposeScope.Enter();
        using var graph = TopologyZoo.Create("residual");
        var groups = ChannelGroups.Discover(graph);
        var masks = PruningTestSupport.RandomHalf(groups, 1);
        Compactor.Compact(groups, masks);
        var e = Assert.Throws<InvalidOperationException>(() => Masking.Apply(groups, masks));
        Assert.Contains("discover them again", e.Message);
        Assert.Throws<InvalidOperationException>(() => Compactor.Compact(groups, masks));
    }
}
