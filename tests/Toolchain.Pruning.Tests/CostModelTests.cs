using Toolchain.Graph;
using Toolchain.Torch;

namespace Toolchain.Pruning.Tests;

public sealed class CostModelTests
{
    public static TheoryData<string> ZooModels => new(ModelZoo.Names);

    [Theory]
    [MemberData(nameof(ZooModels))]
    public void Costs_AtFullWidth_EqualTheGraphsOwnCounts(string model)
    {
        using var graph = ModelZoo.Create(model);
        var groups = ChannelGroups.Discover(graph);
        var full = groups.FullWidths();
        Assert.Equal(graph.ParameterCount, (long)new ParameterCost(groups).Total(full));
        Assert.Equal(graph.Macs, (long)new MacCost(groups).Total(full));
        var perNode = new MacCost(groups).PerNode(full);
        Assert.All(graph.Summary(), s => Assert.Equal(s.Macs, (long)perNode[s.Name]));
    }

    [Fact]
    public void Marginal_IsTheDropOfTheTotalWhenOneChannelGoes()
    {
        using var graph = ModelZoo.Create("mobilenet_v2_cifar");
        var groups = ChannelGroups.Discover(graph);
        var random = new Random(3);
        var widths = groups.Groups.Select(g => g.Prunable ? random.Next(2, g.Channels + 1) : g.Channels).ToArray();
        foreach (var cost in new ICostModel[] { new MacCost(groups), new ParameterCost(groups) })
        {
            var total = cost.Total(widths);
            Assert.Equal(total, cost.PerNode(widths).Values.Sum());
            foreach (var g in groups.Prunable.Take(12))
            {
                var narrower = widths.ToArray();
                narrower[g.Id]--;
                Assert.Equal(total - cost.Total(narrower), cost.Marginal(widths, g.Id));
                Assert.True(cost.Marginal(widths, g.Id) > 0, $"{cost.Name}: removing a channel of {g} must save something");
            }
        }
    }

    [Fact]
    public void Marginal_ResidualGroup_CountsEveryCoupledLayer()
    {
        using var graph = TopologyZoo.Create("residual");
        var groups = ChannelGroups.Discover(graph);
        var full = groups.FullWidths();
        // One residual channel: a stem filter (3·3·3 + bias), a conv2 filter (6·3·3), conv1's and head's input
        // slices (6·3·3 and 5·1·1), two BatchNorms' scale and shift.
        Assert.Equal(28 + 54 + 54 + 5 + 4, new ParameterCost(groups).Marginal(full, 1));
        // MACs: the same weights, each at its 8×8 output (the BatchNorms count none).
        Assert.Equal((27 + 54 + 54 + 5) * 64, new MacCost(groups).Marginal(full, 1));
    }

    [Fact]
    public void PredictedShapes_DepthwiseAndFlatten_FollowTheWidths()
    {
        using var graph = TopologyZoo.Create("flatten_linear");
        var groups = ChannelGroups.Discover(graph);
        var widths = groups.FullWidths();
        widths[1] = 2;
        widths[2] = 7;
        var shapes = groups.PredictShapes(widths);
        Assert.Equal([2, 32], shapes.Value("flatten"));
        Assert.Equal([7, 32], shapes.Tensor("fc1.weight"));
        Assert.Equal([3, 7], shapes.Tensor("fc2.weight"));
        Assert.Equal([2], shapes.Tensor("conv_bn.running_var"));
    }

    [Fact]
    public void OneShotPruning_L1Half_ShrinksResNet20AndStillRuns()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var report = OneShotPruning.Prune(graph, Importance.Create("l1"), 0.5);
        Assert.Equal("l1", report.Criterion);
        Assert.All(report.Groups.Where(g => g.Prunable), g => Assert.Equal(g.Channels / 2, g.Kept));
        Assert.All(report.Groups.Where(g => !g.Prunable), g => Assert.Equal(g.Channels, g.Kept));
        Assert.Equal(graph.Macs, report.MacsAfter);
        Assert.Equal(graph.ParameterCount, report.ParametersAfter);
        Assert.InRange(report.MacsAfter, report.MacsBefore / 5, report.MacsBefore / 3);
        Assert.Equal([1, 10], graph.Forward(Tensor.RandN([1, 3, 32, 32])).Shape);
        Assert.Equal(8, graph.GetTensor("conv1.weight").Shape[0]);
    }
}
