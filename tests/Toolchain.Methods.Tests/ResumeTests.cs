using Toolchain.Graph;
using Toolchain.Pruning;
using Toolchain.TestSupport;
using Toolchain.Torch;
using Toolchain.Training;

namespace Toolchain.Methods.Tests;

/// <summary>
/// A pruning run interrupted after an epoch (of either phase) and resumed from its checkpoint ends as the
/// uninterrupted run does: same widths, same trail, same weights (batch order and augmentation depend only on seed
/// and epoch, so the resumed epochs replay the same batches).
/// </summary>
public sealed class ResumeTests
{
    private const string Budget = "macs=45%";

    [Theory]
    [InlineData("fsa", "prune", 1)]
    [InlineData("fsa", "finetune", 1)]
    [InlineData("greg2", "prune", 1)]
    [InlineData("swd", "prune", 1)]
    public void Resume_AfterAnInterruptedEpoch_EndsLikeTheUninterruptedRun(string method, string phase, int epoch)
    {
        using var dir = new TempDirectory();
        var settings = new MethodSettings { Greg = new GregSettings { UpdateInterval = 1, Delta = 0.2, Ceiling = 1, HoldIterations = 2 }, GregLearningRate = 0.05,
            Swd = new SwdSettings(Mask: SwdMask.L1Cut) };

        using var whole = ModelZoo.Create("resnet20", seed: 5);
        using var wholeCheckpoint = new PruningCheckpoint(dir.File("whole.ckpt"), "run");
        var uninterrupted = Run(whole, method, settings, wholeCheckpoint, stopAfter: null);

        using var first = ModelZoo.Create("resnet20", seed: 5);
        var path = dir.File("interrupted.ckpt");
        using (var interrupted = new PruningCheckpoint(path, "run"))
        {
            Assert.ThrowsAny<OperationCanceledException>(() => Run(first, method, settings, interrupted, stopAfter: (phase, epoch)));
        }

        using var resumed = PruningCheckpoint.Load(path, "run");
        Assert.Equal(phase == "prune" ? PruningPhase.Prune : PruningPhase.FineTune, resumed.Resumed!.Phase);
        var (lastPhase, lastEpoch) = (resumed.Resumed.Trail[^1].Phase, resumed.Resumed.Trail[^1].Epoch);
        Assert.Equal((phase, epoch), (lastPhase, lastEpoch));

        // As the command line does: the run goes on from the checkpoint's graph; the budgets count the full structure.
        using var structure = ModelZoo.Create("resnet20", seed: 5);
        var outcome = Run(resumed.Graph!, method, settings, resumed, stopAfter: null, structure: resumed.Resumed.Phase == PruningPhase.Prune ? null : structure);

        Assert.Equal(uninterrupted.Outcome.Widths, outcome.Outcome.Widths);
        Assert.Equal(uninterrupted.Outcome.Trail.Entries.Select(e => (e.Phase, e.Epoch, string.Join(",", e.Widths))),
            outcome.Outcome.Trail.Entries.Select(e => (e.Phase, e.Epoch, string.Join(",", e.Widths))));
        Assert.Equal(uninterrupted.Outcome.FineTuning.Count, outcome.Outcome.FineTuning.Count);
        using var scope = DisposeScope.Enter();
        foreach (var (name, value) in whole.StateDict())
        {
            var other = resumed.Graph!.StateDict()[name];
            Assert.True(value.Sub(other).Abs().Max().Item() < 1e-4, $"{method}: '{name}' differs after the resumed run");
        }
    }

    [Fact]
    public void Load_ACheckpointOfAnotherRun_IsRefusedNamingBoth()
    {
        using var dir = new TempDirectory();
        using var graph = ModelZoo.Create("resnet20", seed: 5);
        var path = dir.File("run.ckpt");
        using (var interrupted = new PruningCheckpoint(path, "fsa macs=45%"))
        {
            Assert.ThrowsAny<OperationCanceledException>(() => Run(graph, "fsa", new MethodSettings(), interrupted, stopAfter: ("prune", 1)));
        }


        var e = Assert.Throws<ArgumentException>(() => PruningCheckpoint.Load(path, "greg2 macs=45%"));
        Assert.Contains("fsa macs=45%", e.Message);
        Assert.Contains("greg2 macs=45%", e.Message);
        Assert.Throws<FileNotFoundException>(() => PruningCheckpoint.Load(dir.File("none.ckpt"), "fsa"));
    }

    private static (PruningOutcome Outcome, PruningContext Context) Run(ModelGraph graph, string method, MethodSettings settings, PruningCheckpoint checkpoint,
        (string Phase, int Epoch)? stopAfter, ModelGraph? structure = null)
    {
        var groups = ChannelGroups.Discover(structure ?? graph);
        var costs = new Dictionary<string, ICostModel> { ["params"] = new ParameterCost(groups), ["macs"] = new MacCost(groups) };
        var budgets = BudgetSet.Resolve(groups, [BudgetSpec.Parse(Budget)], costs.GetValueOrDefault);
        using var cancel = new CancellationTokenSource();
        var options = new TrainingOptions { Epochs = 2, BatchSize = 32, LearningRate = 0.05, WarmupEpochs = 0 };
        var context = new PruningContext
        {
            Graph = graph, ModelName = "resnet20", Groups = groups, Data = DataSource.Open(DataSource.Shapes10Name, trainCount: 64, testCount: 16),
            Budgets = budgets, Costs = costs, Epochs = 2, Training = options, Trail = new Trail("resnet20", method, groups.Groups.Select(g => g.Name).ToList(), [Budget]),
            Checkpoint = checkpoint, Cancellation = cancel.Token,
            OnEntry = entry =>
            {
                if (stopAfter is { } stop && (entry.Phase, entry.Epoch) == stop) cancel.Cancel();
            },
        };
        return (PruningRun.Run(context, PruningMethods.Create(method, settings), options with { Epochs = 2 }), context);
    }
}
