using Toolchain.Graph;
using Toolchain.TestSupport;
using Toolchain.Torch;
using Toolchain.Torch.Optim;

namespace Toolchain.Pruning.Tests;

public sealed class MaskingTests
{
    [Theory]
    [InlineData("residual")]
    [InlineData("mixed")]
    [InlineData("squeeze_excite")]
    public void Apply_RemovedChannels_AreExactlyZeroAfterEveryConvAndBatchNorm(string topology)
    {
        using var scope = DisposeScope.Enter();
        using var graph = TopologyZoo.Create(topology);
        GraphFixtures.RandomizeBatchNorms(graph);
        var groups = ChannelGroups.Discover(graph);
        var masks = PruningTestSupport.RandomHalf(groups, 3);
        Masking.Apply(groups, masks);

        var checks = groups.Prunable.SelectMany(g => g.Members
                .Where(m => m.Kind == MemberKind.Value && m.Node != "" && graph.GetNode(m.Node).Op is OpKind.Conv or OpKind.BatchNorm)
                .Select(m => (Group: g, Member: m)))
            .ToList();
        Assert.NotEmpty(checks);
        foreach (var training in new[] { false, true })
        {
            graph.Training = training;
            using var result = graph.Forward(PruningTestSupport.Input(graph, 4), checks.Select(c => c.Member.Name).ToHashSet());
            foreach (var (g, m) in checks)
            {
                var value = result.Captured[m.Name];
                for (var k = 0; k < g.Channels; k++)
                {
                    if (masks.IsKept(g.Id, k)) continue;
                    foreach (var c in m.Positions[k])
                    {
                        Assert.All(value.Slice(1, c, c + 1).Flatten().ToArray<float>(), v => Assert.Equal(0f, v));
                    }
                }
            }
        }
    }

    [Fact]
    public void Apply_CombinesMasksOfBothAxesOfAWeight()
    {
        using var scope = DisposeScope.Enter();
        using var graph = TopologyZoo.Create("residual");
        var groups = ChannelGroups.Discover(graph);
        var masks = new GroupMasks(groups);
        masks.KeepOnly(2, [0, 1, 2, 3]); // conv1 filters 4, 5: conv2's input columns 4, 5
        masks.KeepOnly(1, [0, 1, 2, 3, 4, 5, 6]); // residual channel 7: conv2's filter 7
        Masking.Apply(groups, masks);
        var mask = graph.GetParameter("conv2.weight").Mask!;
        Assert.Equal([8, 6, 1, 1], mask.Shape);
        var m = mask.ToArray<float>();
        for (var o = 0; o < 8; o++)
        {
            for (var i = 0; i < 6; i++) Assert.Equal(o < 7 && i < 4 ? 1f : 0f, m[o * 6 + i]);
        }

        Assert.Null(graph.GetParameter("fc.weight").Mask);
        Masking.Clear(graph);
        Assert.All(graph.Parameters, p => Assert.Null(p.Mask));
    }

    [Fact]
    public void MaskedTraining_SgdWithMomentum_KeepsMaskedWeightsZero_ThenCompactTrainSaveReload()
    {
        using var scope = DisposeScope.Enter();
        using var dir = new TempDirectory();
        using var graph = ModelZoo.Create("resnet20", seed: 3);
        var groups = ChannelGroups.Discover(graph);
        var masks = PruningTestSupport.RandomHalf(groups, 5);
        graph.Training = true;
        var x = Tensor.RandN([8, 3, 32, 32]);
        var y = Tensor.RandInt([8], 0, 10);

        // Momentum builds up before masking, so the masked entries have state that must not revive them.
        using (var sgd = new Sgd(graph.Parameters, 0.05, momentum: 0.9, weightDecay: 5e-4))
        {
            for (var step = 0; step < 6; step++)
            {
                if (step == 2) Masking.Apply(groups, masks);
                Step(graph, sgd, x, y);
            }

            foreach (var p in graph.Parameters.Where(p => p.Mask is not null))
            {
                var values = p.Value.Detach().ToArray<float>();
                var keep = p.Mask!.Expand(p.Shape).Contiguous().ToArray<float>();
                Assert.Contains(keep, k => k == 0);
                for (var i = 0; i < values.Length; i++)
                {
                    if (keep[i] == 0) Assert.Equal(0f, values[i]);
                }

                Assert.Contains(values.Where((_, i) => keep[i] == 1), v => v != 0);
            }
        }

        graph.Training = false;
        var masked = graph.Forward(x);
        Compactor.Compact(groups, masks);
        Assert.True(TensorAssert.MaxRelativeToScale(masked, graph.Forward(x)) <= 1e-5);

        // The compacted graph trains: finite loss, weights move.
        graph.Training = true;
        var before = graph.GetTensor("layer2.0.conv1.weight").Detach().Clone();
        using (var sgd = new Sgd(graph.Parameters, 0.05, momentum: 0.9))
        {
            for (var step = 0; step < 3; step++) Assert.True(double.IsFinite(Step(graph, sgd, x, y)));
        }

        Assert.True(TensorAssert.MaxRelativeToScale(before, graph.GetTensor("layer2.0.conv1.weight")) > 0);

        graph.Training = false;
        GraphFile.Save(graph, dir.File("small.safetensors"));
        using var loaded = GraphFile.Load(dir.File("small.safetensors"));
        Assert.Equal(graph.ParameterCount, loaded.Graph.ParameterCount);
        Assert.Equal(graph.Macs, loaded.Graph.Macs);
        Assert.All(graph.StateDict(), kv => Assert.Equal(kv.Value.Shape, loaded.Graph.GetTensor(kv.Key).Shape));
        Assert.Equal(masks.Width(1), (int)loaded.Graph.GetTensor("conv1.weight").Shape[0]);
        loaded.Graph.Training = false;
        TensorAssert.Close(graph.Forward(x), loaded.Graph.Forward(x), 0, 0, "reloaded compacted graph");
    }

    private static double Step(ModelGraph graph, Optimizer sgd, Tensor x, Tensor y)
    {
        using var step = DisposeScope.Enter();
        sgd.ZeroGrad();
        var loss = Functional.CrossEntropy(graph.Forward(x), y);
        loss.Backward();
        sgd.Step();
        return loss.Item();
    }
}
