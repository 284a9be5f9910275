using Toolchain.Graph;

namespace Toolchain.Pruning.Tests;

public sealed class VerifiedCompactionTests
{
    [Fact]
    public void Compact_HalfOfResNet20_SameOutputsNoMasksLeftModeRestored()
    {
        using var graph = ModelZoo.Create("resnet20", seed: 3);
        graph.Training = true;
        var groups = ChannelGroups.Discover(graph);
        var masks = UniformPruning.SelectMasks(groups, new FilterNorm(1), 0.5);

        var verified = VerifiedCompaction.Compact(groups, masks);

        Assert.True(verified.MaxAbsDifference <= verified.Tolerance, $"max |Δ| {verified.MaxAbsDifference} > {verified.Tolerance}");
        Assert.Equal(masks.Widths(), verified.Report.WidthsAfter);
        Assert.True(verified.Report.ParametersAfter < verified.Report.ParametersBefore);
        Assert.Equal(verified.Report.ParametersAfter, graph.ParameterCount);
        Assert.All(graph.Parameters, p => Assert.Null(p.Mask));
        Assert.True(graph.Training);
    }
}
