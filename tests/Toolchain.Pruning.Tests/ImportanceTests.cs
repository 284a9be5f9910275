using Toolchain.Graph;
using Toolchain.Torch;

namespace Toolchain.Pruning.Tests;

public sealed class ImportanceTests
{
    // conv "c" (2 → 3, 1×1) with known filters, feeding conv "d".
    private static ModelGraph Known()
    {
        using var b = new GraphBuilder("known", [1, 2, 4, 4]);
        var x = b.Conv(b.Input, 3, 1, name: "c");
        x = b.BatchNorm(x, "c_bn");
        x = b.Relu(x, "c_relu");
        x = b.Conv(x, 2, 1, name: "d");
        b.Output(b.Flatten(b.GlobalAveragePool(x, "pool"), name: "flatten"));
        var graph = b.Build();
        graph.Edit(new Dictionary<string, Tensor>
        {
            ["c.weight"] = Tensor.FromArray(new float[] { 1, -2, 0.5f, 0.5f, -3, 0 }, 3, 2, 1, 1),
            ["c_bn.weight"] = Tensor.FromArray(new float[] { -0.25f, 2, 0.5f }),
        });
        return graph;
    }

    [Fact]
    public void FilterNorms_KnownWeights_MatchHandComputation()
    {
        using var scope = DisposeScope.Enter();
        using var graph = Known();
        var groups = ChannelGroups.Discover(graph);
        var c = groups.Groups.Single(g => g.Name == "c");
        Assert.Equal([3, 1, 3], new FilterNorm(1).Score(groups, c), new Tolerance());
        Assert.Equal([Math.Sqrt(5), Math.Sqrt(0.5), 3], new FilterNorm(2).Score(groups, c), new Tolerance());
        Assert.Equal([0.25, 2, 0.5], new BatchNormScale().Score(groups, c), new Tolerance());
    }

    [Fact]
    public void FilterNorm_ResidualGroup_SumsOverCoupledProducers()
    {
        using var scope = DisposeScope.Enter();
        using var graph = TopologyZoo.Create("residual");
        var groups = ChannelGroups.Discover(graph);
        var residual = groups[1];
        var stem = graph.GetTensor("stem.weight").Detach().Abs().Sum(1, 2, 3).ToArray<float>();
        var conv2 = graph.GetTensor("conv2.weight").Detach().Abs().Sum(1, 2, 3).ToArray<float>();
        Assert.Equal(stem.Zip(conv2, (a, b) => (double)a + b), new FilterNorm(1).Score(groups, residual), new Tolerance(1e-5));

        var gammas = graph.GetTensor("stem_bn.weight").Detach().Abs().Add(graph.GetTensor("conv2_bn.weight").Detach().Abs()).ToArray<float>();
        Assert.Equal(gammas.Select(v => (double)v), new BatchNormScale().Score(groups, residual), new Tolerance(1e-6));
    }

    [Fact]
    public void FilterNorm_DepthwiseGroup_CountsTheDepthwiseFilters()
    {
        using var scope = DisposeScope.Enter();
        using var graph = TopologyZoo.Create("depthwise");
        var groups = ChannelGroups.Discover(graph);
        var expand = graph.GetTensor("expand.weight").Detach().Square().Sum(1, 2, 3).Sqrt().ToArray<float>();
        var dw = graph.GetTensor("dw.weight").Detach().Square().Sum(1, 2, 3).Sqrt().ToArray<float>();
        Assert.Equal(expand.Zip(dw, (a, b) => (double)a + b), new FilterNorm(2).Score(groups, groups[1]), new Tolerance(1e-5));
    }

    [Fact]
    public void Random_IsReproducibleFromTheSeed()
    {
        using var graph = TopologyZoo.Create("residual");
        var groups = ChannelGroups.Discover(graph);
        var a = new RandomImportance(4).Score(groups, groups[1]);
        Assert.Equal(a, new RandomImportance(4).Score(groups, groups[1]));
        Assert.NotEqual(a, new RandomImportance(5).Score(groups, groups[1]));
        Assert.NotEqual(a[..6], new RandomImportance(4).Score(groups, groups[2]));
        Assert.All(a, v => Assert.InRange(v, 0, 1));
    }

    [Fact]
    public void SelectMasks_L1_RemovesTheSmallestFilters()
    {
        using var scope = DisposeScope.Enter();
        using var graph = Known();
        var groups = ChannelGroups.Discover(graph);
        var c = groups.Groups.Single(g => g.Name == "c");
        var masks = UniformPruning.SelectMasks(groups, Importance.Create("l1"), 0.34);
        Assert.Equal([true, false, true], masks.Keep(c.Id));
        masks = UniformPruning.SelectMasks(groups, Importance.Create("bn"), 0.67);
        Assert.Equal([false, true, false], masks.Keep(c.Id));
    }

    [Theory]
    [InlineData(10, 0.5, 1, 5)]
    [InlineData(10, 0.5, 4, 8)]
    [InlineData(6, 0.5, 4, 4)]
    [InlineData(3, 0.9, 8, 3)]
    [InlineData(10, 0.3, 1, 7)]
    [InlineData(64, 0.75, 8, 16)]
    [InlineData(5, 0.99, 1, 1)]
    public void KeptWidth_RoundsUpToMultiplesAndKeepsOne(int channels, double ratio, int roundTo, int expected)
    {
        Assert.Equal(expected, UniformPruning.KeptWidth(channels, ratio, roundTo));
    }

    [Fact]
    public void SelectMasks_RoundTo_KeepsMultiples()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var masks = UniformPruning.SelectMasks(groups, new FilterNorm(1), 0.6, roundTo: 4);
        foreach (var g in groups.Prunable)
        {
            Assert.Equal(0, masks.Width(g.Id) % 4);
            Assert.Equal(UniformPruning.KeptWidth(g.Channels, 0.6, 4), masks.Width(g.Id));
        }

        var aligned = masks.AlignedTo(16);
        Assert.All(groups.Prunable, g => Assert.Equal(GroupMasks.RoundUp(masks.Width(g.Id), 16, g.Channels), aligned.Width(g.Id)));
        Assert.All(groups.Prunable, g => Assert.All(Enumerable.Range(0, g.Channels), c => Assert.True(!masks.IsKept(g.Id, c) || aligned.IsKept(g.Id, c))));
    }

    private sealed class Tolerance(double epsilon = 1e-9) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= epsilon * Math.Max(1, Math.Abs(x));

        public int GetHashCode(double obj) => 0;
    }
}
