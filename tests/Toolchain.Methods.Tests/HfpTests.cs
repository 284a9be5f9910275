using Toolchain.Graph;
using Toolchain.Pruning;
using Toolchain.Torch;
using Toolchain.Training;

namespace Toolchain.Methods.Tests;

public sealed class HfpTests
{
    [Fact]
    public void SoftWidths_AreSigmoidsOfTheScaleAgainstTheThreshold()
    {
        // σ(2) = 0.8807971, its slope a(1 − a)/T = 0.8807971 · 0.1192029 / 0.1.
        Assert.Equal(0.8807971, SoftWidths.Activity(0.3, threshold: 0.1, temperature: 0.1), 6);
        Assert.Equal(0.5, SoftWidths.Activity(0.1, 0.1, 0.1), 12);
        Assert.Equal(1.0499359, SoftWidths.ActivitySlope(0.3, 0.1, 0.1), 6);
        Assert.Equal(0.8807971 + 0.5 + (1 - 0.8807971), SoftWidths.Width([0.3, 0.1, -0.1], 0.1, 0.1), 6);
        Assert.Equal(0.5, new HfpSettings(TemperatureStart: 0.5, TemperatureEnd: 0.05).Temperature(0), 12);
        Assert.Equal(Math.Sqrt(0.5 * 0.05), new HfpSettings(TemperatureStart: 0.5, TemperatureEnd: 0.05).Temperature(0.5), 12);
    }

    [Fact]
    public void Penalty_IsLambdaTimesTheExcessShare_AndItsGradientTheMarginalCostOverTheDenseCost()
    {
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var macs = new MacCost(groups);
        var budgets = BudgetSet.Resolve(groups, [BudgetSpec.Parse("macs=50%")], name => name == "macs" ? macs : null);
        var penalty = new BudgetPenalty(budgets, lambda: 2);
        var dense = budgets.Budgets[0].Dense;

        var full = groups.Groups.Select(g => (double)g.Channels).ToArray();
        var (value, gradient) = penalty.Evaluate(full);
        Assert.Equal(2 * (1 - 0.5), value, 9);
        foreach (var g in groups.Prunable) Assert.Equal(2 / dense * macs.Marginal(groups.FullWidths(), g.Id), gradient[g.Id], 12);

        // Finite differences at whole widths: one channel less in a group lowers P by its gradient (MACs are linear in
        // one group's width), and fractional widths round to the nearest.
        var g0 = groups.Prunable.First();
        var less = (double[])full.Clone();
        less[g0.Id] -= 1;
        Assert.Equal(value - gradient[g0.Id], penalty.Evaluate(less).Value, 9);
        less[g0.Id] = full[g0.Id] - 0.6;
        Assert.Equal(value - gradient[g0.Id], penalty.Evaluate(less).Value, 9);

        // A group at its floor of one channel is not pushed (its last channel has no cost to save), the others still are.
        var floor = (double[])full.Clone();
        floor[g0.Id] = 1.2;
        var (floorValue, floorGradient) = penalty.Evaluate(floor);
        Assert.True(floorValue > 0);
        Assert.Equal(0, floorGradient[g0.Id]);
        Assert.All(groups.Prunable.Where(g => g.Id != g0.Id), g => Assert.True(floorGradient[g.Id] > 0));

        // Within the budget, nothing.
        var small = groups.Groups.Select(g => g.Prunable ? 1.0 : g.Channels).ToArray();
        Assert.Equal((0.0, 0.0), (penalty.Evaluate(small).Value, penalty.Evaluate(small).Gradient.Sum()));
    }

    [Fact]
    public void Penalty_OnAStaircaseCost_PushesByTheSlopeOfTheUpperHalf_NeverByANegativeStep()
    {
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var g0 = groups.Prunable.First();
        // A latency-like staircase: each group costs its width rounded up to a multiple of 8, plus 3 for the first
        // group at 9–15 channels (a slower kernel off the block size): one channel less from 16 then costs more.
        var stairs = new StaircaseCost(groups, g0.Id, w => w is > 8 and < 16 ? 3 : 0);
        var full = groups.FullWidths();
        Assert.True(stairs.Marginal(full, g0.Id) < 0);
        var budgets = BudgetSet.Resolve(groups, [BudgetSpec.Parse("latency=50%")], name => name == "latency" ? stairs : null);
        var (value, gradient) = new BudgetPenalty(budgets, lambda: 2).Evaluate(full.Select(w => (double)w).ToArray());
        Assert.True(value > 0);
        var dense = budgets.Budgets[0].Dense;
        // 16 → 8 channels: (16 − 8) / 8 = 1 per channel, over the dense cost, times λ.
        Assert.Equal(16, g0.Channels);
        Assert.Equal(1.0, BudgetPenalty.Slope(stairs, full, g0.Id), 12);
        Assert.Equal(2 / dense * 1.0, gradient[g0.Id], 12);
        // At 12 channels the upper half (12 → 6) saves 16 + 3 − 8 = 11 over 6 channels.
        var at = full.ToArray();
        at[g0.Id] = 12;
        Assert.Equal(11.0 / 6, BudgetPenalty.Slope(stairs, at, g0.Id), 12);
        // A narrower half that costs more is no push at all, not a negative one; nor is a group at its floor of one.
        var widening = new StaircaseCost(groups, g0.Id, w => w == 8 ? 100 : 0);
        Assert.Equal(0, BudgetPenalty.Slope(widening, full, g0.Id));
        Assert.Equal(0, BudgetPenalty.Slope(stairs, groups.Groups.Select(_ => 1).ToArray(), g0.Id));
    }

    /// <summary>Σ over groups of the width rounded up to a multiple of 8, plus <c>extra(width)</c> of group <c>odd</c>.</summary>
    private sealed class StaircaseCost(ChannelGroups groups, int odd, Func<int, double> extra) : ICostModel
    {
        public string Name => "latency";

        public string Unit => "ms";

        public double Total(IReadOnlyList<int> widths) => groups.Groups.Sum(g => Math.Ceiling(widths[g.Id] / 8.0) * 8) + extra(widths[odd]);

        public IReadOnlyDictionary<string, double> PerNode(IReadOnlyList<int> widths) => new Dictionary<string, double>();

        public double Marginal(IReadOnlyList<int> widths, int groupId)
        {
            var narrower = widths.ToArray();
            narrower[groupId]--;
            return Total(widths) - Total(narrower);
        }
    }

    [Fact]
    public void Term_GradientOnGamma_MatchesFiniteDifferencesOfTheSoftWidths_AndIsScaledByTheShareKept()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20", seed: 3);
        var groups = ChannelGroups.Discover(graph);
        var budgets = BudgetSet.Resolve(groups, [BudgetSpec.Parse("params=40%")], new Dictionary<string, ICostModel> { ["params"] = new ParameterCost(groups) }.GetValueOrDefault);
        var settings = new HfpSettings(Lambda: 2, Threshold: 0.5, TemperatureStart: 0.3, TemperatureEnd: 0.3, ShareOfKept: false);
        var term = new HfpTerm(groups, budgets, settings, totalSteps: 10);
        var shared = new HfpTerm(groups, budgets, settings with { ShareOfKept = true }, totalSteps: 10);
        SpreadScales(graph); // so the sigmoids are not saturated

        term.AfterBackward(new TrainingStep(null!, 1, 1, 1, 1));
        shared.AfterBackward(new TrainingStep(null!, 1, 1, 1, 1));
        Assert.True(term.LastPenalty > 0);
        var (_, dn) = new BudgetPenalty(budgets, settings.Lambda).Evaluate(groups.Groups.Select(g => g.Prunable ? SoftWidths.Width(term.Scales()[g.Id], 0.5, 0.3) : g.Channels).ToArray());
        const double eps = 1e-3;
        int BatchNorms(ChannelGroup g) => g.Members.Count(m => m.Role == TensorRole.Weight && graph.GetNode(m.Node).Op == OpKind.BatchNorm);
        // A group with one BatchNorm and a residual stream whose scale averages several.
        foreach (var (group, c) in new[] { groups.Prunable.First(g => BatchNorms(g) == 1), groups.Prunable.First(g => BatchNorms(g) > 1) }
                     .SelectMany(g => new[] { (g, 0), (g, g.Channels / 2), (g, g.Channels - 1) }))
        {
            var member = group.Members.First(m => m.Role == TensorRole.Weight && graph.GetNode(m.Node).Op == OpKind.BatchNorm);
            var gammaOf = graph.FindParameter(member.Name)!;
            var grad = Tensor.Zeros(gammaOf.Shape);
            term.Apply(gammaOf, grad);
            var analytic = grad.ToArray<float>();
            var row = member.Positions[c][0];
            double WidthWith(double delta)
            {
                var values = gammaOf.Value.Detach().ToArray<float>();
                values[row] += (float)delta;
                gammaOf.Replace(Tensor.FromArray(values, gammaOf.Shape));
                var width = SoftWidths.Width(term.Scales()[group.Id], 0.5, 0.3);
                values[row] -= (float)delta;
                gammaOf.Replace(Tensor.FromArray(values, gammaOf.Shape));
                return width;
            }

            var numeric = dn[group.Id] * (WidthWith(eps) - WidthWith(-eps)) / (2 * eps);
            Assert.Equal(numeric, analytic[row], Math.Max(1e-6, Math.Abs(numeric) * 1e-2));

            // Our extension: the same push times the share of its channels the group keeps at the soft widths.
            var pushed = Tensor.Zeros(gammaOf.Shape);
            shared.Apply(gammaOf, pushed);
            var share = SoftWidths.Width(term.Scales()[group.Id], 0.5, 0.3) / group.Channels;
            Assert.InRange(share, 0.05, 0.95);
            Assert.Equal(analytic[row] * share, pushed.ToArray<float>()[row], Math.Max(1e-7, Math.Abs(analytic[row]) * 1e-5));
        }
    }
    [Fact]
    public void Term_PushesGammaOnly_AndLambdaGrowsOnlyWhileABudgetIsExceeded()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20", seed: 3);
        var groups = ChannelGroups.Discover(graph);
        var budgets = BudgetSet.Resolve(groups, [BudgetSpec.Parse("params=40%")], new Dictionary<string, ICostModel> { ["params"] = new ParameterCost(groups) }.GetValueOrDefault);
        var settings = new HfpSettings(Lambda: 2, Threshold: 0.5, TemperatureStart: 0.3, TemperatureEnd: 0.3, LambdaGrowth: 0.5);
        var bns = graph.Nodes.Where(n => n.Op == OpKind.BatchNorm).ToList();
        void SetAffine(float gamma, float beta)
        {
            foreach (var bn in bns)
            {
                var g = graph.FindParameter(bn.TensorName(TensorRole.Weight)!)!;
                g.Replace(Tensor.Full(g.Shape, gamma));
                var b = graph.FindParameter(bn.TensorName(TensorRole.Bias)!)!;
                b.Replace(Tensor.Full(b.Shape, beta));
            }
        }

        SetAffine(0.6f, -0.4f);
        var term = new HfpTerm(groups, budgets, settings, totalSteps: 10);
        Assert.Equal(1.0, term.Scales().Values.SelectMany(v => v).Average(), 6); // s = |γ| / s_ref

        term.AfterBackward(new TrainingStep(null!, 1, 1, 1, 1));
        Assert.True(term.LastPenalty > 0);
        var bn0 = bns.First(n => groups.Prunable.Any(g => g.Members.Any(m => m.Node == n.Name)));
        var (gamma0, beta0) = (graph.FindParameter(bn0.TensorName(TensorRole.Weight)!)!, graph.FindParameter(bn0.TensorName(TensorRole.Bias)!)!);
        var (dGamma, dBeta) = (Tensor.Zeros(gamma0.Shape), Tensor.Zeros(beta0.Shape));
        term.Apply(gamma0, dGamma);
        term.Apply(beta0, dBeta);
        var (gg, gb) = (dGamma.ToArray<float>(), dBeta.ToArray<float>());
        Assert.All(gg, v => Assert.True(v > 0, "γ > 0 is pushed down"));
        Assert.All(gb, v => Assert.Equal(0, v)); // β is not part of the scale
        Assert.Equal(1.5, term.LambdaScale, 12);
        term.AfterBackward(new TrainingStep(null!, 2, 1, 2, 1));
        Assert.Equal(2.25, term.LambdaScale, 12);
        var exceeded = term.LastPenalty;

        // Every channel far below the threshold: the soft widths meet the budget, nothing is pushed and λ holds.
        SetAffine(0.01f, 0.01f);
        term.AfterBackward(new TrainingStep(null!, 3, 1, 3, 1));
        Assert.Equal(0, term.LastPenalty);
        Assert.Equal(2.25, term.LambdaScale, 12);
        var none = Tensor.Zeros(gamma0.Shape);
        term.Apply(gamma0, none);
        Assert.Equal(0, none.Abs().Sum().Item());
        Assert.True(exceeded > 0);
    }

    [Fact]
    public void Term_AfterEachStep_ShrinksTheShiftsOfTheChannelsTheCutWouldRemove_AndNoOthers()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20", seed: 3);
        var groups = ChannelGroups.Discover(graph);
        var budgets = BudgetSet.Resolve(groups, [BudgetSpec.Parse("params=40%")], new Dictionary<string, ICostModel> { ["params"] = new ParameterCost(groups) }.GetValueOrDefault);
        var settings = new HfpSettings(Threshold: 0.5, ShiftDecay: 0.25);
        SpreadScales(graph);
        foreach (var bn in graph.Nodes.Where(n => n.Op == OpKind.BatchNorm))
        {
            var beta = graph.FindParameter(bn.TensorName(TensorRole.Bias)!)!;
            beta.Replace(Tensor.Full(beta.Shape, -0.4f));
        }

        var term = new HfpTerm(groups, budgets, settings, totalSteps: 10);
        var scales = term.Scales();
        term.AfterStep(new TrainingStep(null!, 1, 1, 1, 1));
        term.AfterStep(new TrainingStep(null!, 2, 1, 2, 1));

        var group = groups.Prunable.First(g => g.Members.Count(m => m.Role == TensorRole.Bias && graph.GetNode(m.Node).Op == OpKind.BatchNorm) == 1);
        var member = group.Members.First(m => m.Role == TensorRole.Bias && graph.GetNode(m.Node).Op == OpKind.BatchNorm);
        var shifts = graph.FindParameter(member.Name)!.Value.Detach().ToArray<float>();
        var below = Enumerable.Range(0, group.Channels).Where(c => scales[group.Id][c] < 0.5).ToList();
        Assert.InRange(below.Count, 1, group.Channels - 1); // both kinds are there
        for (var c = 0; c < group.Channels; c++)
        {
            var expected = below.Contains(c) ? -0.4 * 0.75 * 0.75 : -0.4; // two steps of 1 − 0.25 below t, untouched above
            Assert.Equal(expected, shifts[member.Positions[c][0]], 5);
        }

        // Turned off, nothing moves.
        var off = new HfpTerm(groups, budgets, settings with { ShiftDecay = 0 }, totalSteps: 10);
        off.AfterStep(new TrainingStep(null!, 3, 1, 3, 1));
        Assert.Equal(shifts, graph.FindParameter(member.Name)!.Value.Detach().ToArray<float>());
    }

    [Fact]
    public void Term_CutsAsSoonAsTheKeptChannelsMeetEveryBudget_ThenPushesNothing_AndTheCutSurvivesAResume()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20", seed: 3);
        var groups = ChannelGroups.Discover(graph);
        BudgetSet Budget(string spec) => BudgetSet.Resolve(groups, [BudgetSpec.Parse(spec)], new Dictionary<string, ICostModel> { ["params"] = new ParameterCost(groups) }.GetValueOrDefault);
        var settings = new HfpSettings(Threshold: 0.5, ShiftDecay: 0, RefillCut: false);
        SpreadScales(graph);

        // The channels above t (about 81 %) miss params=40 %: no cut, the penalty pushes.
        var tight = new HfpTerm(groups, Budget("params=40%"), settings, totalSteps: 10);
        tight.AfterStep(new TrainingStep(null!, 1, 1, 10, 1));
        Assert.Null(tight.Cut);
        Assert.True(graph.Parameters.All(p => p.Mask is null));

        // They meet params=90 %: cut at this step, exactly the channels below t removed and held at zero.
        var term = new HfpTerm(groups, Budget("params=90%"), settings, totalSteps: 10);
        var scales = term.Scales();
        term.AfterStep(new TrainingStep(null!, 1, 4, 10, 4));
        var cut = Assert.IsType<GroupMasks>(term.Cut);
        Assert.Equal(4, term.CutStep);
        foreach (var group in groups.Prunable)
        {
            Assert.Equal(scales[group.Id].Select(s => s >= 0.5).ToArray(), cut.Keep(group.Id));
        }

        Assert.Equal(cut.Widths(), term.CutWidths());
        var group0 = groups.Prunable.First(g => scales[g.Id].Any(s => s < 0.5));
        var member = group0.Members.First(m => m.Role == TensorRole.Weight && graph.GetNode(m.Node).Op == OpKind.BatchNorm);
        var gamma = graph.FindParameter(member.Name)!.Value.Detach().ToArray<float>();
        for (var c = 0; c < group0.Channels; c++) Assert.Equal(scales[group0.Id][c] < 0.5, gamma[member.Positions[c][0]] == 0);

        // After the cut nothing is pushed, even when the scales would exceed a budget again.
        term.AfterBackward(new TrainingStep(null!, 1, 5, 10, 5));
        Assert.Equal(0, term.LastPenalty);
        var none = Tensor.Zeros(graph.FindParameter(member.Name)!.Shape);
        term.Apply(graph.FindParameter(member.Name)!, none);
        Assert.Equal(0, none.Abs().Sum().Item());

        // A resumed run gets the same cut back, masks re-applied.
        var state = term.Save();
        Masking.Clear(graph);
        var resumed = new HfpTerm(groups, Budget("params=90%"), settings, totalSteps: 10);
        resumed.Restore(state);
        Assert.Equal(4, resumed.CutStep);
        foreach (var group in groups.Prunable) Assert.Equal(cut.Keep(group.Id), resumed.Cut!.Keep(group.Id));
        Assert.Contains(graph.Parameters, p => p.Mask is not null);

        // Refilled (the default), the cut keeps those channels and takes back the removed ones with the largest scales
        // while params=90 % holds: params are linear in each width, so it ends within one channel's parameters of the limit.
        Masking.Clear(graph);
        SpreadScales(graph); // the cuts above zeroed the removed channels' γ
        var refilled = new HfpTerm(groups, Budget("params=90%"), settings with { RefillCut = true }, totalSteps: 10);
        refilled.AfterStep(new TrainingStep(null!, 1, 4, 10, 4));
        var wider = Assert.IsType<GroupMasks>(refilled.Cut);
        foreach (var group in groups.Prunable)
        {
            var keep = wider.Keep(group.Id);
            var s = scales[group.Id];
            Assert.All(Enumerable.Range(0, group.Channels).Where(c => s[c] >= 0.5), c => Assert.True(keep[c]));
            var back = Enumerable.Range(0, group.Channels).Where(c => s[c] < 0.5 && keep[c]).ToList();
            var left = Enumerable.Range(0, group.Channels).Where(c => !keep[c]).ToList();
            if (back.Count > 0 && left.Count > 0) Assert.True(back.Min(c => s[c]) >= left.Max(c => s[c]), $"group '{group.Name}' took back a channel with a smaller scale than one it left out");
        }

        var parameters = new ParameterCost(groups);
        var limit = Budget("params=90%").Budgets[0].Limit;
        Assert.True(parameters.Total(wider.Widths()) > parameters.Total(cut.Widths()));
        Assert.InRange(parameters.Total(wider.Widths()), 0.98 * limit, limit);
        // What is masked is the widened cut: channels taken back keep their γ, those left out are zeroed.
        gamma = graph.FindParameter(member.Name)!.Value.Detach().ToArray<float>();
        for (var c = 0; c < group0.Channels; c++) Assert.Equal(!wider.Keep(group0.Id)[c], gamma[member.Positions[c][0]] == 0);
        Assert.Contains(Enumerable.Range(0, group0.Channels), c => scales[group0.Id][c] < 0.5 && wider.Keep(group0.Id)[c]);

        // Turned off, the cut waits for the end of the phase.
        Masking.Clear(graph);
        var late = new HfpTerm(groups, Budget("params=90%"), settings with { CutWhenMet = false }, totalSteps: 10);
        late.AfterStep(new TrainingStep(null!, 1, 6, 10, 6));
        Assert.Null(late.Cut);
    }

    /// <summary>Every BatchNorm's γ spread evenly over [0.2, 1.8): relative scales around 1, some below a threshold of 0.5.</summary>
    private static void SpreadScales(ModelGraph graph)
    {
        foreach (var bn in graph.Nodes.Where(n => n.Op == OpKind.BatchNorm))
        {
            var gamma = graph.FindParameter(bn.TensorName(TensorRole.Weight)!)!;
            var count = (int)gamma.Shape[0];
            gamma.Replace(Tensor.FromArray(Enumerable.Range(0, count).Select(i => (float)(0.2 + 1.6 * i / count)).ToArray(), gamma.Shape));
        }
    }
}
