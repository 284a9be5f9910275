using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Pruning.Tests;

[CollectionDefinition(nameof(LeakTests), DisableParallelization = true)]
[Collection(nameof(LeakTests))]
public sealed class LeakTests
{
    [Fact]
    public void DiscoverMaskScoreCompactFold_LeaveNoNativeTensorBehind()
    {
        void Run()
        {
            using var graph = TopologyZoo.Create("mixed");
            var groups = ChannelGroups.Discover(graph);
            var masks = UniformPruning.SelectMasks(groups, new FilterNorm(2), 0.5);
            // An unmasked cut: folding probes the graph with forward passes and edits biases.
            var report = Compactor.Compact(groups, masks);
            Assert.NotEmpty(report.Folds);
            groups = ChannelGroups.Discover(graph);
            masks = UniformPruning.SelectMasks(groups, new BatchNormScale(), 0.3);
            Masking.Apply(groups, masks);
            Masking.Clear(graph);
        }

        Run(); // warm-up: lazily created native state is not a leak
        var before = ProcessCounters.SettledLiveTensors();
        Run();
        // No settling here: a tensor left to its finalizer would still count.
        Assert.Equal(before, Libtorch.LiveTensors);
    }
}
