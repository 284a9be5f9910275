using Toolchain.Graph;
using Toolchain.Pruning;
using Toolchain.Torch;
using Toolchain.Training;

namespace Toolchain.Methods.Tests;

/// <summary>Every method end to end on a small model and data subset: budgets met exactly, compaction verified, trail written.</summary>
public sealed class PruningRunTests
{
    public static TheoryData<string> Methods => [.. PruningMethods.Names];

    [Theory]
    [MemberData(nameof(Methods))]
    public void Run_EveryMethod_EndsWithinParamsAndMacsBudgetsAndCompactsExactly(string name)
    {
        using var graph = ModelZoo.Create("resnet20", seed: 1);
        var context = Context(graph, epochs: 2, "params=60%", "macs=50%");
        var (paramsLimit, macsLimit) = (context.Budgets.Budgets[0].Limit, context.Budgets.Budgets[1].Limit);

        var outcome = PruningRun.Run(context, PruningMethods.Create(name, new MethodSettings { Seed = 3 }), Options(epochs: 1));

        // Hard counts on the compacted graph, not predictions.
        Assert.True(graph.ParameterCount <= paramsLimit, $"{name}: {graph.ParameterCount} parameters > {paramsLimit}");
        Assert.True(graph.Macs <= macsLimit, $"{name}: {graph.Macs} MACs > {macsLimit}");
        Assert.NotNull(outcome.Compaction); // structured: compacted
        Assert.True(outcome.Compaction.MaxAbsDifference <= outcome.Compaction.Tolerance);
        Assert.Equal(outcome.Widths, outcome.Compaction.Report.WidthsAfter);
        Assert.All(outcome.Widths, w => Assert.True(w >= 1));
        Assert.Single(outcome.FineTuning);
        Assert.Equal("finetune", outcome.Trail.Entries[^1].Phase);
        Assert.True(outcome.Trail.Entries[^1].BudgetsMet);
        Assert.Contains(outcome.Trail.Entries, e => e.Phase == "prune");
    }

    [Fact]
    public void Run_DenseAlreadyWithinBudget_RefusesBeforeAnyWork()
    {
        using var graph = ModelZoo.Create("resnet20");
        var context = Context(graph, epochs: 1, "params=10M");
        var e = Assert.Throws<BudgetException>(() => PruningRun.Run(context, PruningMethods.Create("fsa"), Options(1)));
        Assert.Contains("already meets every budget", e.Message);
        Assert.Empty(context.Trail.Entries);
    }

    [Fact]
    public void Fsa_AnnealsTowardsTheBudget_AndMaskedWeightsAndMomentumStayExactlyZero()
    {
        using var graph = ModelZoo.Create("resnet20", seed: 2);
        var context = Context(graph, epochs: 4, "macs=40%");
        var method = PruningMethods.Create("fsa", new MethodSettings { Fsa = new FsaSettings(Mu: 5, FsaSelection.Global, FsaStepUnit.Epoch) });
        var checks = 0;
        var observing = new PruningContext
        {
            Graph = context.Graph, ModelName = context.ModelName, Groups = context.Groups, Data = context.Data, Budgets = context.Budgets,
            Costs = context.Costs, Epochs = context.Epochs, Training = context.Training, Trail = context.Trail,
            OnTrainer = trainer => trainer.Hooks.Add(new ZeroCheck(trainer, () => checks++)),
        };

        method.Prune(observing);

        var macs = context.Trail.Entries.Select(e => e.Costs["macs"]).ToList();
        Assert.Equal(4, macs.Count);
        Assert.True(macs.Zip(macs.Skip(1)).All(p => p.Second <= p.First), "MACs shrink epoch by epoch");
        Assert.True(context.Budgets.Budgets[0].IsMet(macs[1])); // e = N/2 = 2: at the budget already
        Assert.True(checks > 0, "masked parameters were checked during training");
    }

    [Fact]
    public void Fsa_PerLayer_EachGroupAnnealsToTheWidthsTheAllocatorChoseForTheBudget()
    {
        using var graph = ModelZoo.Create("resnet20", seed: 2);
        var context = Context(graph, epochs: 4, "macs=40%");
        var targets = context.Allocate(new FilterNorm(2)).Widths; // from the same initial weights, before any training

        var masks = new FsaMethod(new FsaSettings(Mu: 5, Selection: FsaSelection.PerLayer, Step: FsaStepUnit.Epoch), new FilterNorm(2)).Prune(context);

        Assert.Equal(targets, masks.Widths());
        var entries = context.Trail.Entries;
        Assert.Equal(4, entries.Count);
        // After epoch 1 of N = 4 each group keeps ⌈target + (C − target)·(4 − 2)/(2·5 + 4)⌉ channels.
        var expected = context.Groups.Groups.Select(g => g.Prunable ? (int)Math.Ceiling(targets[g.Id] + (g.Channels - targets[g.Id]) * 2.0 / 14 - 1e-9) : g.Channels);
        Assert.Equal(expected, entries[0].Widths);
        Assert.Equal(targets, entries[1].Widths); // e = N/2
    }

    [Fact]
    public void Fsa_PerIteration_RemovesWithinTheFirstEpochAndEndsWithinTheBudget()
    {
        using var graph = ModelZoo.Create("resnet20", seed: 2);
        var context = Context(graph, epochs: 2, "params=50%");
        var kept = new List<double>();
        var observing = new PruningContext
        {
            Graph = context.Graph, ModelName = context.ModelName, Groups = context.Groups, Data = context.Data, Budgets = context.Budgets,
            Costs = context.Costs, Epochs = context.Epochs, Training = context.Training, Trail = context.Trail,
            OnTrainer = trainer => trainer.Hooks.Add(new KeptEntries(trainer, kept)),
        };

        var masks = new FsaMethod(new FsaSettings(Mu: 5, Selection: FsaSelection.Global, Step: FsaStepUnit.Iteration), new FilterNorm(2)).Prune(observing);

        // 2 epochs of 4 batches (128 images of 32): N = 8 steps, the budget reached at step 4 (the end of epoch 1).
        // The watch runs before FSA's hook, so entry i shows the masks selected after step i (entry 0: none yet).
        Assert.Equal(8, kept.Count);
        Assert.True(kept[0] > kept[1] && kept[1] > kept[2] && kept[2] > kept[3] && kept[3] > kept[4], $"kept entries per step: {string.Join(", ", kept)}");
        Assert.All(kept.Skip(5), k => Assert.Equal(kept[4], k));
        Assert.True(context.Budgets.AllMetBy(context.Trail.Entries[0].Widths)); // already at the budget after epoch 1
        Assert.True(context.Budgets.AllMetBy(masks.Widths()));
    }

    [Fact]
    public void Greg1_WithAFastSchedule_FinishesAndDrivesPrunedFiltersTowardsZero()
    {
        using var graph = ModelZoo.Create("resnet20", seed: 4);
        var context = Context(graph, epochs: 3, "params=80%");
        var settings = new MethodSettings { Greg = new GregSettings { UpdateInterval = 1, Delta = 0.5, Ceiling = 2, HoldIterations = 2 }, GregLearningRate = 0.05 };
        var groups = context.Groups;
        var before = new FilterNorm(1);

        var masks = PruningMethods.Create("greg1", settings).Prune(context);

        // The pruned channels' filters lost most of their L1 norm relative to the kept ones.
        var pruned = new List<double>();
        var kept = new List<double>();
        foreach (var group in groups.Prunable)
        {
            var scores = before.Score(groups, group);
            var keep = masks.Keep(group.Id);
            for (var c = 0; c < group.Channels; c++) (keep[c] ? kept : pruned).Add(scores[c]);
        }

        Assert.NotEmpty(pruned);
        Assert.True(pruned.Average() < 0.2 * kept.Average(), $"mean L1 of pruned filters {pruned.Average():G3} vs kept {kept.Average():G3}");
        Assert.True(context.Budgets.AllMetBy(masks.Widths()));
    }

    private static TrainingOptions Options(int epochs) => new() { Epochs = epochs, BatchSize = 32, LearningRate = 0.05, WarmupEpochs = 0 };

    internal static PruningContext Context(ModelGraph graph, int epochs, params string[] budgets)
    {
        var groups = ChannelGroups.Discover(graph);
        var costs = new Dictionary<string, ICostModel> { ["params"] = new ParameterCost(groups), ["macs"] = new MacCost(groups) };
        var set = BudgetSet.Resolve(groups, budgets.Select(BudgetSpec.Parse).ToList(), costs.GetValueOrDefault);
        var data = DataSource.Open(DataSource.Shapes10Name, trainCount: 128, testCount: 32);
        return new PruningContext
        {
            Graph = graph, ModelName = "resnet20", Groups = groups, Data = data, Budgets = set, Costs = costs, Epochs = epochs,
            Training = Options(Math.Max(1, epochs)), Trail = new Trail("resnet20", "test", groups.Groups.Select(g => g.Name).ToList(), budgets),
        };
    }

    /// <summary>After every step: how many parameter entries the masks keep (all of a parameter without a mask).</summary>
    private sealed class KeptEntries(Trainer trainer, List<double> totals) : ITrainingHook
    {
        public void AfterStep(TrainingStep step)
        {
            using var scope = DisposeScope.Enter();
            totals.Add(trainer.Optimizer.Parameters.Sum(p => p.Mask is { } mask ? mask.Sum().Item() : p.Value.Shape.Aggregate(1L, (a, b) => a * b)));
        }
    }

    /// <summary>After every step: where a mask is 0, the value and every optimizer buffer are exactly 0 (LtpTests use it too).</summary>
    internal sealed class ZeroCheck(Trainer trainer, Action counted) : ITrainingHook
    {
        public void AfterStep(TrainingStep step)
        {
            var state = trainer.Optimizer.ExportState();
            foreach (var parameter in trainer.Optimizer.Parameters.Where(p => p.Mask is not null))
            {
                using var scope = DisposeScope.Enter();
                var outside = 1.0 - parameter.Mask!;
                Assert.Equal(0.0, (parameter.Value.Detach() * outside).Abs().Sum().Item());
                foreach (var (_, buffer) in state.Where(s => s.Key.StartsWith(parameter.Name + "/", StringComparison.Ordinal)))
                {
                    Assert.Equal(0.0, (buffer * outside).Abs().Sum().Item());
                }

                counted();
            }
        }
    }
}
