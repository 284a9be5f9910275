using System.Text.Json.Nodes;
using Toolchain.Graph;
using Toolchain.Pruning;
using Toolchain.Torch;

namespace Toolchain.Methods.Tests;

public sealed class SwdTests
{
    [Fact]
    public void Multiplier_GrowsExponentiallyFromAMinToAMax()
    {
        var settings = new SwdSettings(AMin: 0.1, AMax: 1e5);
        Assert.Equal(0.1, settings.Multiplier(0, 1000), 12);
        Assert.Equal(100, settings.Multiplier(500, 1000), 9);       // 0.1 · (1e6)^(1/2)
        Assert.Equal(0.1 * Math.Pow(1e6, 0.25), settings.Multiplier(250, 1000), 9);
        Assert.Equal(1e5, settings.Multiplier(1000, 1000), 6);
        Assert.Equal(1e5, settings.Multiplier(1500, 1000), 6);     // held past the end
        Assert.Throws<ArgumentException>(() => new SwdSettings(AMin: 0).Validate());

        // Ramp r < 1: the same curve compressed into r·T steps, then held at a_max.
        var ramp = new SwdSettings(AMin: 0.1, AMax: 1e5, Ramp: 0.5);
        Assert.Equal(100, ramp.Multiplier(250, 1000), 9);
        Assert.Equal(1e5, ramp.Multiplier(500, 1000), 6);
        Assert.Equal(1e5, ramp.Multiplier(900, 1000), 6);
        Assert.Throws<ArgumentException>(() => new SwdSettings(Ramp: 0).Validate());
        Assert.Throws<ArgumentException>(() => new SwdSettings(Ramp: 1.5).Validate());
    }

    [Fact]
    public void Term_DecaysOnlyTheEntriesTheMaskRemoves_ByATimesWd()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20", seed: 1);
        var groups = ChannelGroups.Discover(graph);
        var group = groups.Prunable.First(g => g.Channels == 16 && g.Producers.Count == 1);
        var masks = new GroupMasks(groups);
        masks.KeepOnly(group.Id, Enumerable.Range(0, 12)); // channels 12..15 removed
        using var term = new SelectiveDecayTerm(weightDecay: 5e-4) { Multiplier = 100 };
        term.SetKeepMasks(Masking.KeepMasks(groups, masks));
        var producer = graph.FindParameter(graph.GetNode(group.Producers[0]).TensorName(TensorRole.Weight)!)!;
        var untouched = graph.Parameters.First(p => !term.Removed.ContainsKey(p) && p.Shape.Length == 4);

        var grad = Tensor.Zeros(producer.Shape);
        term.Apply(producer, grad);
        var other = Tensor.Zeros(untouched.Shape);
        term.Apply(untouched, other);

        var expected = producer.Value.Detach().Clone();
        var rows = expected.Shape[0];
        var w = expected.ToArray<float>();
        var g = grad.ToArray<float>();
        var perRow = w.Length / rows;
        for (var i = 0; i < w.Length; i++)
        {
            var removed = i / perRow >= 12;
            // The term is computed in float32 (the multiplier and decay may be fused or
            // reordered by the CPU's vector unit), so compare to float32 precision.
            var want = removed ? 100 * 5e-4 * w[i] : 0;
            Assert.True(Math.Abs(want - g[i]) <= 1e-6 * Math.Abs(want) + 1e-12,
                $"entry {i} (removed: {removed}): expected {want}, got {g[i]}");
        }

        Assert.Equal(0, other.Abs().Sum().Item());
    }

    [Fact]
    public void AllocatedMask_CutsTheAllocatorsWidthsByGamma_FromTheTrainedWeights()
    {
        using var graph = ModelZoo.Create("resnet20", seed: 4);
        var context = PruningRunTests.Context(graph, epochs: 2, "macs=40%");
        var method = new SwdMethod(new SwdSettings(Mask: SwdMask.Allocated));

        var masks = method.Prune(context);

        // The cut is what the allocator keeps by |γ| for the budget from the weights SWD trained — not a global threshold.
        var allocated = context.Allocate(new BatchNormScale());
        Assert.Equal(allocated.Widths, masks.Widths());
        Assert.True(context.Budgets.AllMetBy(masks.Widths()));
    }

    [Fact]
    public void L1CutMask_HoldsTheL1CutChosenBeforeThePhase_AndDecaysWhatItRemoves()
    {
        using var graph = ModelZoo.Create("resnet20", seed: 4);
        var context = PruningRunTests.Context(graph, epochs: 2, "macs=40%");
        var l1 = context.Allocate(new FilterNorm(1)).Masks; // the one-shot l1 baseline's cut, from the weights before the phase
        var (removed, kept) = (SummedFilterNorm(context, l1, kept: false), SummedFilterNorm(context, l1, kept: true));
        var method = new SwdMethod(new SwdSettings(Mask: SwdMask.L1Cut, Ramp: 0.5));

        var masks = method.Prune(context);

        foreach (var group in context.Groups.Prunable) Assert.Equal(l1.Keep(group.Id), masks.Keep(group.Id));
        Assert.All(context.Trail.Entries, e => Assert.Equal(l1.Widths(), e.Widths));
        Assert.True(context.Budgets.AllMetBy(masks.Widths()));
        // Only the channels the held mask removes get the extra decay: their filters shrink far more than the kept ones.
        var (removedShare, keptShare) = (SummedFilterNorm(context, l1, kept: false) / removed, SummedFilterNorm(context, l1, kept: true) / kept);
        Assert.True(removedShare < 0.8 * keptShare, $"the removed filters kept {removedShare:P1} of their L1 norm, the kept ones {keptShare:P1}");
    }

    [Fact]
    public void HeldMask_ComesBackFromTheCheckpointState()
    {
        // The resume tests cannot tell a restored mask from one chosen again from the resumed weights (they agree), so
        // the state is checked here: what Save wrote, Restore puts back into a run that chose other channels.
        using var graph = ModelZoo.Create("resnet20", seed: 4);
        var context = PruningRunTests.Context(graph, epochs: 1, "macs=40%");
        var l1 = context.Allocate(new FilterNorm(1)).Masks;
        var saved = JsonNode.Parse(new SwdMethod.HeldMask(l1).Save().ToJsonString())!;

        var resumed = new SwdMethod.HeldMask(new GroupMasks(context.Groups));
        resumed.Restore(saved);

        foreach (var group in context.Groups.Groups) Assert.Equal(l1.Keep(group.Id), resumed.Masks.Keep(group.Id));
        Assert.Throws<InvalidDataException>(() => resumed.Restore(new JsonObject()));
    }

    /// <summary>The summed L1 norm of the filters <paramref name="masks"/> keeps (or removes).</summary>
    private static double SummedFilterNorm(PruningContext context, GroupMasks masks, bool kept)
    {
        var norms = new FilterNorm(1);
        return context.Groups.Prunable.Sum(g =>
        {
            var scores = norms.Score(context.Groups, g);
            var keep = masks.Keep(g.Id);
            return scores.Where((_, c) => keep[c] == kept).Sum();
        });
    }
}
