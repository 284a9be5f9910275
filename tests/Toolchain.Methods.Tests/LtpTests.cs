using System.Text.Json.Nodes;
using Toolchain.Graph;
using Toolchain.Pruning;
using Toolchain.Torch;
using Toolchain.Training;

namespace Toolchain.Methods.Tests;

public sealed class LtpTests
{
    [Fact]
    public void Gate_SigmoidSlopeAndTemperature_MatchHandValues()
    {
        // σ(2) = 0.8807971; ∂σ((s − τ)/T)/∂τ = −σ(1 − σ)/T.
        Assert.Equal(0.8807971, LtpGate.Soft(0.3, threshold: 0.1, temperature: 0.1), 6);
        Assert.Equal(-0.8807971 * 0.1192029 / 0.1, LtpGate.ThresholdSlope(0.3, 0.1, 0.1), 6);
        // |w| = 1, 3, 2: mean 2, population variance (1 + 1 + 0)/3; T = T₀ · 2/3.
        Assert.Equal(0.5 * 2.0 / 3, LtpGate.Temperature([1f, -3f, 2f], scale: 0.5), 12);
        using var scope = DisposeScope.Enter();
        Assert.Equal(0.5 * 2.0 / 3, LtpGate.Temperature(Tensor.FromArray([1f, -3f, 2f], 3), 0.5).Item(), 6);
    }

    [Fact]
    public void SoftMask_ValueL0AndGradients_MatchHandValuesAndFiniteDifferences()
    {
        using var scope = DisposeScope.Enter();
        float[] w = [0.5f, -0.1f, 0.2f];
        const double tau = 0.02, temperature = 0.01;
        var weight = Tensor.FromArray((float[])w.Clone(), 3);
        weight.RequiresGrad = true;
        var threshold = Tensor.Scalar(tau);
        threshold.RequiresGrad = true;
        var t = Tensor.Scalar(temperature);

        var gate = LtpGate.Soft(weight.Square(), threshold, t);
        var v = weight * gate;
        var l0 = gate.Sum();
        (v.Sum() + l0).Backward();

        var sigma = w.Select(x => LtpGate.Soft(x * (double)x, tau, temperature)).ToArray();
        var values = v.ToArray<float>();
        for (var i = 0; i < 3; i++) Assert.Equal(w[i] * sigma[i], values[i], 5);           // v = w·σ((w² − τ)/T)
        Assert.Equal(sigma.Sum(), l0.Item(), 5);                                             // L0 = Σσ
        var gw = weight.Grad!.ToArray<float>();
        for (var i = 0; i < 3; i++) Assert.Equal(sigma[i], gw[i], 5);                        // the gate is a constant for w
        // τ keeps its full gradient: Σ (w + 1) · ∂σ/∂τ, against central finite differences of Σ w·σ + Σ σ.
        double Loss(double at) => w.Sum(x => (x + 1) * LtpGate.Soft(x * (double)x, at, temperature));
        var numeric = (Loss(tau + 1e-6) - Loss(tau - 1e-6)) / 2e-6;
        var analytic = w.Select((x, i) => (x + 1) * LtpGate.ThresholdSlope(x * (double)x, tau, temperature)).Sum();
        Assert.Equal(analytic, numeric, 4);
        Assert.Equal(analytic, threshold.Grad!.Item(), 3);
        // Evaluation's hard mask: w² > τ keeps 0.5 and 0.2 (0.25, 0.04 > 0.02), drops −0.1 (0.01).
        Assert.Equal([1f, 0f, 1f], LtpGate.Hard(weight.Square(), threshold).ToArray<float>());
    }

    [Fact]
    public void ParameterTransform_ChangesOnlyTheForward_AndClearingItRestoresIt()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20", seed: 1);
        graph.Training = false;
        var input = Tensor.RandN([2, 3, 32, 32]);
        var dense = graph.Forward(input).ToArray<float>();
        var weight = PrunableWeights.Of(graph)[0];
        var before = weight.Value.Detach().ToArray<float>();
        graph.SetParameterTransform(weight.Name, (value, training) => value * 0.0);
        var transformed = graph.Forward(input).ToArray<float>();
        Assert.NotEqual(dense, transformed);
        Assert.Equal(before, weight.Value.Detach().ToArray<float>()); // the parameter keeps its value
        graph.SetParameterTransform(weight.Name, null);
        Assert.Equal(dense, graph.Forward(input).ToArray<float>());
        Assert.Throws<KeyNotFoundException>(() => graph.SetParameterTransform("no.such", null));
    }

    [Fact]
    public void TrailPick_IsTheMostAccuratePointWithinTheBudget_EarlierOnTies()
    {
        static TrailEntry E(double top1, bool met) => new() { Phase = "prune", Epoch = 1, Widths = [], Costs = new Dictionary<string, double>(), TestTop1 = top1, BudgetsMet = met };
        Assert.Equal(2, TrailPick.MostAccurateWithinBudget([E(0.9, false), E(0.5, true), E(0.7, true), E(0.95, false), E(0.7, true)]));
        Assert.Null(TrailPick.MostAccurateWithinBudget([E(0.9, false)]));
        Assert.Null(TrailPick.MostAccurateWithinBudget([]));
    }

    [Fact]
    public void Ltp_ThresholdsLearn_TheTrailGetsSparser_AndTheTransformsAreRemoved()
    {
        using var graph = ModelZoo.Create("resnet20", seed: 5);
        var context = Unstructured(graph, epochs: 2, "params=30%");
        var settings = new LtpSettings(Lambda: 1e-4, ThresholdLearningRate: 1e-4);

        var masks = new LtpMethod(settings).PruneWeights(context);

        Assert.Equal(context.WeightBudget!.Keep, masks.Kept);
        var kept = context.Trail.Entries.Select(e => e.WeightsKept!.Value).ToList();
        Assert.True(kept[0] < context.WeightBudget.Total, $"the hard mask kept {kept[0]} of {context.WeightBudget.Total} after an epoch");
        Assert.True(kept[1] <= kept[0], "the trail gets sparser");
        Assert.Empty(graph.TransformedParameters); // the method took its transforms away
    }

    [Fact]
    public void Structured_CutsAsSoonAsTheChannelsOverTheirThresholdsMeetEveryBudget_ThenHoldsThem_AndTheCutSurvivesAResume()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20", seed: 3);
        var groups = ChannelGroups.Discover(graph);
        BudgetSet Budget(string spec) => BudgetSet.Resolve(groups, [BudgetSpec.Parse(spec)], new Dictionary<string, ICostModel> { ["params"] = new ParameterCost(groups) }.GetValueOrDefault);
        // Every fourth filter of every conv 100× smaller: its score ‖w_f‖²/numel (~1e-6) falls under τ = 1e-5, the
        // others' (~1e-3) stay over it, so the thresholds keep three channels in four of every group.
        foreach (var conv in graph.Nodes.Where(n => n.Op == OpKind.Conv))
        {
            var weight = graph.GetParameter(conv.TensorName(TensorRole.Weight)!);
            var rows = weight.Value.Detach().ToArray<float>();
            var row = rows.Length / (int)weight.Shape[0];
            for (var f = 0; f < weight.Shape[0]; f += 4) for (var j = f * row; j < (f + 1) * row; j++) rows[j] *= 0.01f;
            weight.Replace(Tensor.FromArray(rows, weight.Shape));
        }

        var settings = new LtpSettings(ThresholdInit: 1e-5, RefillCut: false);
        var step = new TrainingStep(null!, 1, 4, 10, 4);
        bool[] Expected(ChannelGroup group) => Enumerable.Range(0, group.Channels).Select(c => c % 4 != 0).ToArray();

        // Three in four channels miss params=40 %: no cut, nothing masked.
        using (var tight = new LtpChannels(groups, Budget("params=40%"), settings))
        {
            tight.AfterStep(step);
            Assert.Null(tight.Cut);
            Assert.True(graph.Parameters.All(p => p.Mask is null));
        }

        // They meet params=90 %: cut at this step, exactly those channels kept, the removed ones held at zero.
        GroupMasks cut;
        JsonNode state;
        using (var gates = new LtpChannels(groups, Budget("params=90%"), settings))
        {
            gates.AfterStep(step);
            cut = Assert.IsType<GroupMasks>(gates.Cut);
            Assert.Equal(4, gates.CutStep);
            foreach (var group in groups.Prunable) Assert.Equal(Expected(group), cut.Keep(group.Id));
            Assert.Equal(cut.Widths(), gates.HardWidths());
            Assert.Same(cut, gates.FinalMasks());
            var stem = groups.Prunable.First();
            var producer = stem.Members.First(m => m is { Role: TensorRole.Weight, Axis: 0 } && graph.GetNode(m.Node).Op == OpKind.Conv);
            var filters = graph.GetParameter(producer.Name).Value.Detach().Abs().Sum([1, 2, 3]).ToArray<float>();
            for (var c = 0; c < stem.Channels; c++) Assert.Equal(c % 4 == 0, filters[producer.Positions[c][0]] == 0);

            // After the cut τ no longer moves, even with the budget's penalty on the soft widths.
            var before = gates.ThresholdValues();
            gates.AfterBackward(step);
            Assert.Equal(0, gates.LastPenalty);
            Assert.Equal(before, gates.ThresholdValues());
            state = gates.Save();
        }

        // A resumed run gets the same cut back, masks re-applied.
        Masking.Clear(graph);
        using (var resumed = new LtpChannels(groups, Budget("params=90%"), settings))
        {
            resumed.Restore(state);
            Assert.Equal(4, resumed.CutStep);
            foreach (var group in groups.Prunable) Assert.Equal(cut.Keep(group.Id), resumed.Cut!.Keep(group.Id));
            Assert.Contains(graph.Parameters, p => p.Mask is not null);
        }

        // Refilled (the default), the cut keeps those channels and takes back removed ones while params=90 % holds:
        // params are linear in each width, so it ends within one channel's parameters of the limit.
        Masking.Clear(graph);
        using (var refilled = new LtpChannels(groups, Budget("params=90%"), settings with { RefillCut = true }))
        {
            refilled.AfterStep(step);
            var wider = Assert.IsType<GroupMasks>(refilled.Cut);
            foreach (var group in groups.Prunable)
            {
                Assert.All(Enumerable.Range(0, group.Channels).Where(c => c % 4 != 0), c => Assert.True(wider.Keep(group.Id)[c]));
            }

            var parameters = new ParameterCost(groups);
            var limit = Budget("params=90%").Budgets[0].Limit;
            Assert.True(parameters.Total(wider.Widths()) > parameters.Total(cut.Widths()));
            Assert.InRange(parameters.Total(wider.Widths()), 0.98 * limit, limit);
        }

        // Turned off, the cut is left to the end of the phase.
        Masking.Clear(graph);
        using var late = new LtpChannels(groups, Budget("params=90%"), settings with { CutWhenMet = false });
        late.AfterStep(step);
        Assert.Null(late.Cut);
    }

    public static TheoryData<string> UnstructuredMethods => [.. PruningMethods.UnstructuredNames];

    [Theory]
    [MemberData(nameof(UnstructuredMethods))]
    public void Unstructured_EveryMethod_KeepsExactlyTheBudgetAndMaskedWeightsAndMomentumStayZero(string name)
    {
        using var graph = ModelZoo.Create("resnet20", seed: 1);
        var checks = 0;
        var context = Unstructured(graph, epochs: 1, "params=10%", trainer => trainer.Hooks.Add(new PruningRunTests.ZeroCheck(trainer, () => checks++)));
        var total = PrunableWeights.Count(graph);
        var batchNorm = graph.Nodes.Where(n => n.Op == OpKind.BatchNorm).Select(n => graph.GetParameter(n.TensorName(TensorRole.Weight)!)).ToList();
        var settings = new MethodSettings { Sparsity = Sparsity.Unstructured, Ltp = new LtpSettings(Lambda: 1e-4, ThresholdLearningRate: 1e-4) };

        var outcome = PruningRun.Run(context, PruningMethods.Create(name, settings), new TrainingOptions { Epochs = 1, BatchSize = 32, LearningRate = 0.05, WarmupEpochs = 0 });

        var expected = (long)Math.Round(0.1 * total);
        Assert.Equal(expected, outcome.Weights!.Kept);
        Assert.Null(outcome.Compaction);                           // the graph keeps its shape
        Assert.Equal(expected, WeightMasks.NonZero(graph).Kept);   // after fine-tuning: still exactly the budget
        Assert.All(batchNorm, p => Assert.Null(p.Mask));           // BatchNorm is never masked
        Assert.True(checks > 0, "masked weights and momentum were checked while fine-tuning");
        var cut = outcome.Trail.Entries.Single(e => e.Phase == "cut");
        Assert.Equal(expected, cut.WeightsKept);
        Assert.True(cut.BudgetsMet);
    }

    [Fact]
    public void Unstructured_MethodThatPrunesChannelsOnly_IsRefusedNamingTheOnesThatDoNot()
    {
        var e = Assert.Throws<ArgumentException>(() => PruningMethods.Create("fsa", new MethodSettings { Sparsity = Sparsity.Unstructured }));
        Assert.Contains("ltp", e.Message);
        Assert.Contains("swd", e.Message);
    }

    [Theory]
    [InlineData("latency=50%")]
    [InlineData("macs=20M")]
    public void WeightBudget_SpeedBudget_IsRefusedWithTheReasonAndTheStructuredAlternative(string spec)
    {
        using var graph = ModelZoo.Create("resnet20");
        var e = Assert.Throws<BudgetException>(() => WeightBudget.Resolve(graph, [BudgetSpec.Parse(spec)]));
        Assert.Contains("dense kernels", e.Message);
        Assert.Contains("--sparsity structured", e.Message);
        Assert.Contains("--method ltp", e.Message);
    }

    [Fact]
    public void WeightBudget_CountsExactlyTheConvAndLinearWeights()
    {
        using var graph = ModelZoo.Create("resnet20");
        var convAndLinear = graph.Nodes.Where(n => n.Op is OpKind.Conv or OpKind.Gemm).Sum(n => graph.GetParameter(n.TensorName(TensorRole.Weight)!).NumElements);
        var budget = WeightBudget.Resolve(graph, [BudgetSpec.Parse("params=10%")]);
        Assert.Equal(convAndLinear, budget.Total);
        Assert.True(budget.Total < graph.ParameterCount); // biases and BatchNorm not counted
        Assert.Equal((long)Math.Round(0.1 * convAndLinear), budget.Keep);
        Assert.Equal(1000, WeightBudget.Resolve(graph, [BudgetSpec.Parse("params=1k")]).Keep);
        Assert.Throws<BudgetException>(() => WeightBudget.Resolve(graph, [BudgetSpec.Parse("params=10M")]));
    }

    [Fact]
    public void TopByScore_KeepsExactlyTheCount_TiesInOrder()
    {
        using var graph = ModelZoo.Create("resnet20");
        var weights = PrunableWeights.Of(graph).Take(2).ToList();
        // Every score equal: the first `keep` entries in parameter order, then row-major.
        var masks = WeightMasks.TopByScore(weights, p => Enumerable.Repeat(1f, (int)p.NumElements).ToArray(), keep: 500);
        Assert.Equal(500, masks.Kept);
        var first = masks.Keep(weights[0].Name);
        Assert.Equal(Math.Min(500, first.Length), first.Count(k => k));
        Assert.True(first.Take(Math.Min(500, first.Length)).All(k => k));
    }

    internal static PruningContext Unstructured(ModelGraph graph, int epochs, string budget, Action<Trainer>? onTrainer = null)
    {
        var groups = ChannelGroups.Discover(graph);
        var costs = new Dictionary<string, ICostModel> { ["params"] = new ParameterCost(groups), ["macs"] = new MacCost(groups) };
        var data = DataSource.Open(DataSource.Shapes10Name, trainCount: 128, testCount: 32);
        return new PruningContext
        {
            Graph = graph, ModelName = "resnet20", Groups = groups, Data = data, Budgets = BudgetSet.Unconstrained(groups), Costs = costs, Epochs = epochs,
            WeightBudget = WeightBudget.Resolve(graph, [BudgetSpec.Parse(budget)]), OnTrainer = onTrainer,
            Training = new TrainingOptions { Epochs = Math.Max(1, epochs), BatchSize = 32, LearningRate = 0.05, WarmupEpochs = 0 },
            Trail = new Trail("resnet20", "test", groups.Groups.Select(g => g.Name).ToList(), [budget]),
        };
    }
}
