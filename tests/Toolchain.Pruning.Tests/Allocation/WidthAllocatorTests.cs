using Toolchain.Graph;
using Toolchain.Pruning.Tests.Budgets;
using Toolchain.Torch;

namespace Toolchain.Pruning.Tests.Allocation;

public sealed class WidthAllocatorTests
{
    private static BudgetSet Resolve(ChannelGroups groups, int roundTo, params string[] specs) =>
        BudgetSet.Resolve(groups, specs.Select(BudgetSpec.Parse).ToList(), BudgetSetTests.CountCosts(groups), roundTo);

    private static Dictionary<int, double[]> L1Scores(ChannelGroups groups)
    {
        var l1 = Importance.Create("l1");
        return groups.Prunable.ToDictionary(g => g.Id, g => l1.Score(groups, g));
    }

    /// <summary>The channels a group keeps at width w: its top-scored ones, ties to the lower index.</summary>
    private static int[] TopScored(double[] scores, int width) =>
        Enumerable.Range(0, scores.Length).OrderByDescending(c => scores[c]).ThenBy(c => c).Take(width).Order().ToArray();

    private static int[] Kept(GroupMasks masks, int group) =>
        masks.Keep(group).Select((k, c) => (k, c)).Where(x => x.k).Select(x => x.c).ToArray();

    [Fact]
    public void Allocate_ParamsAndMacsTogether_MeetsBothByTheCompactedCount()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var scores = L1Scores(groups);
        var budgets = Resolve(groups, 1, "params=50%", "macs=40%");

        var result = WidthAllocator.Allocate(groups, scores, budgets);

        var (parameters, macs) = (budgets.Budgets[0], budgets.Budgets[1]);
        Assert.True(new ParameterCost(groups).Total(result.Widths) <= parameters.Limit);
        Assert.True(new MacCost(groups).Total(result.Widths) <= macs.Limit);
        Assert.All(result.Budgets, b => Assert.True(b.Met, b.Describe()));
        Assert.Equal(["params=50%", "macs=40%"], result.Budgets.Select(b => b.Name));
        Assert.True(result.Removals > 0);
        Assert.Equal(0, result.StaircaseMoves);
        Assert.Equal(result.Widths, result.Masks.Widths());
        foreach (var g in groups.Groups)
        {
            if (!g.Prunable)
            {
                Assert.Equal(g.Channels, result.Widths[g.Id]);
                continue;
            }

            Assert.InRange(result.Widths[g.Id], 1, g.Channels);
            Assert.Equal(TopScored(scores[g.Id], result.Widths[g.Id]), Kept(result.Masks, g.Id));
        }

        // Greedy stops as soon as both hold, so the budget that binds ends just under its limit, not far below it.
        Assert.True(result.Budgets.Max(b => b.Value / b.Limit) > 0.98, string.Join("; ", result.Budgets.Select(b => b.Describe())));

        // The hard count: the compacted graph itself.
        Compactor.Compact(groups, result.Masks);
        Assert.True(graph.ParameterCount <= parameters.Limit, $"{graph.ParameterCount} parameters > {parameters.Limit}");
        Assert.True(graph.Macs <= macs.Limit, $"{graph.Macs} MACs > {macs.Limit}");
    }

    [Fact]
    public void Allocate_OneGroupWithVeryLowScores_ShrinksThatGroupMost()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var weak = groups.Prunable.First(g => g.Channels == 32);
        var scores = groups.Prunable.ToDictionary(
            g => g.Id, g => Enumerable.Range(0, g.Channels).Select(c => (g.Id == weak.Id ? 0.001 : 1.0) + c * 1e-6).ToArray());
        var budgets = Resolve(groups, 1, "params=90%");

        var result = WidthAllocator.Allocate(groups, scores, budgets, new AllocationOptions(NormalizeScoresPerGroup: false, ShareOfKept: false, Refill: false));

        Assert.Equal(1, result.Widths[weak.Id]);
        var removed = groups.Prunable.ToDictionary(g => g.Id, g => 1 - result.Widths[g.Id] / (double)g.Channels);
        Assert.Equal(weak.Id, removed.MaxBy(kv => kv.Value).Key);
        Assert.Equal([31], Kept(result.Masks, weak.Id));
        Assert.True(result.Budgets[0].Met);
    }

    [Fact]
    public void Allocate_EqualScoresEverywhere_ShareOfKeptEmptiesNoGroup_PlainScoresDo()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var scores = groups.Prunable.ToDictionary(g => g.Id, g => Enumerable.Range(0, g.Channels).Select(c => 1.0 + c * 1e-6).ToArray());
        var budgets = Resolve(groups, 1, "macs=50%");

        var shared = WidthAllocator.Allocate(groups, scores, budgets);
        var plain = WidthAllocator.Allocate(groups, scores, budgets, new AllocationOptions(ShareOfKept: false));

        // Per unit of cost the costliest channels always look cheapest to lose; weighing a channel by its share of
        // what its group keeps stops a group from being emptied for it.
        Assert.All(groups.Prunable, g => Assert.True(shared.Widths[g.Id] >= g.Channels / 4, $"{g.Name}: {shared.Widths[g.Id]} of {g.Channels}"));
        Assert.Contains(groups.Prunable, g => plain.Widths[g.Id] == 1);
        Assert.True(shared.Budgets[0].Met && plain.Budgets[0].Met);
    }

    [Fact]
    public void Allocate_NormalizedScores_IgnoreAGroupsScale()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var scores = L1Scores(groups);
        var budgets = Resolve(groups, 1, "macs=50%");
        var scaled = scores.ToDictionary(kv => kv.Key, kv => kv.Value.Select(s => s * (kv.Key % 2 == 0 ? 1000 : 0.001)).ToArray());

        var plain = WidthAllocator.Allocate(groups, scores, budgets);
        var rescaled = WidthAllocator.Allocate(groups, scaled, budgets);
        var unnormalized = WidthAllocator.Allocate(groups, scaled, budgets, new AllocationOptions(NormalizeScoresPerGroup: false, ShareOfKept: false, Refill: false));

        Assert.Equal(plain.Widths, rescaled.Widths);
        Assert.NotEqual(plain.Widths, unnormalized.Widths);
    }

    [Fact]
    public void Allocate_RoundTo8_KeepsMultiplesOf8OrTheFullWidth()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var budgets = Resolve(groups, 8, "params=50%", "macs=40%");

        var result = WidthAllocator.Allocate(groups, L1Scores(groups), budgets, new AllocationOptions(RoundTo: 8));

        Assert.All(result.Budgets, b => Assert.True(b.Met, b.Describe()));
        Assert.All(groups.Prunable, g => Assert.True(
            result.Widths[g.Id] % 8 == 0 || result.Widths[g.Id] == g.Channels, $"{g}: width {result.Widths[g.Id]}"));
        Assert.Contains(groups.Prunable, g => result.Widths[g.Id] < g.Channels);
    }

    [Fact]
    public void Allocate_BudgetsAlreadyMetByDense_KeepsEverything()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var result = WidthAllocator.Allocate(groups, L1Scores(groups), Resolve(groups, 1, "params=100M"));
        Assert.Equal(groups.FullWidths(), result.Widths);
        Assert.False(result.Masks.RemovesAny);
        Assert.Equal(0, result.Removals);
    }

    [Fact]
    public void Allocate_BadScoresOrMismatchedSettings_ThrowNamingTheProblem()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var budgets = Resolve(groups, 1, "params=50%");
        var scores = L1Scores(groups);
        var first = groups.Prunable.First();

        var missing = new Dictionary<int, double[]>(scores);
        missing.Remove(first.Id);
        Assert.Contains($"no scores for prunable group {first.Id}", Assert.Throws<ArgumentException>(() => WidthAllocator.Allocate(groups, missing, budgets)).Message);

        var shorter = new Dictionary<int, double[]>(scores) { [first.Id] = [1.0] };
        Assert.Contains($"{first.Channels} channels but 1 scores", Assert.Throws<ArgumentException>(() => WidthAllocator.Allocate(groups, shorter, budgets)).Message);

        var nan = new Dictionary<int, double[]>(scores) { [first.Id] = Enumerable.Repeat(double.NaN, first.Channels).ToArray() };
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => WidthAllocator.Allocate(groups, nan, budgets)).Message);

        Assert.Contains("multiples of 1 but allocation asks for multiples of 8",
            Assert.Throws<ArgumentException>(() => WidthAllocator.Allocate(groups, scores, budgets, new AllocationOptions(RoundTo: 8))).Message);

        var other = ChannelGroups.Discover(graph);
        Assert.Contains("other channel groups", Assert.Throws<ArgumentException>(() => WidthAllocator.Allocate(other, scores, budgets)).Message);
    }

    // Latency of one layer at width w as a staircase: 8 wide is fast, 9–12 hits a slow kernel, 13–16 a better one.
    private static double Staircase(int w) => w <= 8 ? 10 : w <= 12 ? 20 : 15;

    [Fact]
    public void Allocate_GreedyEndsOnASlowStep_StaircaseMovesToTheWiderFasterWidth()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var sixteen = groups.Prunable.Where(g => g.Channels == 16).Select(g => g.Id).ToArray();
        var (t, u) = (sixteen[0], sixteen[1]);
        // A kernel switch: while u is wider than 8, t's layer runs a kernel linear in its width; at u ≤ 8 the engine
        // picks another whose time is a staircase in t's width. u itself costs 2 per channel; other groups nothing.
        var cost = new FunctionCost("latency", "ms", w => (w[u] > 8 ? w[t] : Staircase(w[t]) - 9) + 2 * w[u]);
        var budgets = BudgetSet.Resolve(groups, [BudgetSpec.Parse("latency=27ms")], _ => cost);
        // t's four weakest channels go first (score 0.1 per ms), then u's (1 per 2 ms); t's others are worth 10.
        var scores = groups.Prunable.ToDictionary(g => g.Id, g => Enumerable.Repeat(10.0, g.Channels).ToArray());
        scores[t] = [.. Enumerable.Repeat(10.0, 12), .. Enumerable.Repeat(0.1, 4)];
        scores[u] = Enumerable.Repeat(1.0, 16).ToArray();
        var options = new AllocationOptions(NormalizeScoresPerGroup: false, ShareOfKept: false, Refill: false);

        var greedyOnly = WidthAllocator.Allocate(groups, scores, budgets, options with { StaircaseWindow = 0 });
        var result = WidthAllocator.Allocate(groups, scores, budgets, options);

        // Greedy: t 16 → 12 (44 ms), u 16 → 8 (27 ms; the kernel switched, and t at 12 now costs 11 ms where 16 costs 6).
        Assert.Equal((12, 8), (greedyOnly.Widths[t], greedyOnly.Widths[u]));
        Assert.Equal(27, greedyOnly.Budgets[0].Value);
        Assert.Equal(0, greedyOnly.StaircaseMoves);
        Assert.Equal((16, 8), (result.Widths[t], result.Widths[u]));
        Assert.Equal(1, result.StaircaseMoves);
        Assert.Equal(22, result.Budgets[0].Value);
        Assert.Equal(Enumerable.Range(0, 16), Kept(result.Masks, t));
        Assert.All(groups.Prunable.Where(g => g.Id != t && g.Id != u), g => Assert.Equal(g.Channels, result.Widths[g.Id]));
    }

    [Fact]
    public void Allocate_GuidedByAnotherCost_RanksStepsByItButStopsAtTheBudget()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var sixteen = groups.Prunable.Where(g => g.Channels == 16).Select(g => g.Id).ToArray();
        var (slow, heavy) = (sixteen[0], sixteen[1]);
        // "latency": slow costs 3 ms per channel, heavy 1; "macs": slow 1 per channel, heavy 10. Other groups cost nothing.
        var latency = new FunctionCost("latency", "ms", w => 3 * w[slow] + w[heavy]);
        var macs = new FunctionCost("macs", "MACs", w => w[slow] + 10 * w[heavy]);
        var budgets = BudgetSet.Resolve(groups, [BudgetSpec.Parse("latency=52ms")], _ => latency);
        var scores = groups.Prunable.ToDictionary(g => g.Id, g => Enumerable.Repeat(1.0, g.Channels).ToArray());
        var options = new AllocationOptions(NormalizeScoresPerGroup: false, ShareOfKept: false, Refill: false, StaircaseWindow: 0);

        var aware = WidthAllocator.Allocate(groups, scores, budgets, options);
        var byMacs = WidthAllocator.Allocate(groups, scores, budgets, options with { Guide = macs });

        // 64 ms dense, 12 to save: by latency the slow group goes (4 channels of 3 ms); by MACs the heavy one (12 of 1 ms).
        Assert.Equal((12, 16), (aware.Widths[slow], aware.Widths[heavy]));
        Assert.Equal((16, 4), (byMacs.Widths[slow], byMacs.Widths[heavy]));
        Assert.All(new[] { aware, byMacs }, r => Assert.Equal(52, r.Budgets[0].Value));
    }

    [Fact]
    public void Allocate_WithACeiling_StartsThereAndNeverWidensPastIt()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var ceiling = groups.Groups.Select(g => g.Prunable ? g.Channels - 3 : g.Channels).ToArray();
        var options = new AllocationOptions(Ceiling: ceiling);

        // A budget the ceiling already meets: nothing is removed, and refill and the staircase stay at the ceiling.
        var loose = WidthAllocator.Allocate(groups, L1Scores(groups), Resolve(groups, 1, "params=95%"), options);
        Assert.Equal(ceiling, loose.Widths);
        Assert.Equal(0, loose.Removals);

        // A tight one: met, and no group above its ceiling.
        var tight = WidthAllocator.Allocate(groups, L1Scores(groups), Resolve(groups, 1, "params=50%"), options);
        Assert.True(tight.Budgets.All(b => b.Met));
        Assert.All(groups.Groups, g => Assert.True(tight.Widths[g.Id] <= ceiling[g.Id]));

        var bad = ceiling.ToArray();
        bad[groups.Prunable.First().Id] = 0;
        Assert.Throws<ArgumentException>(() => WidthAllocator.Allocate(groups, L1Scores(groups), Resolve(groups, 1, "params=50%"), new AllocationOptions(Ceiling: bad)));
    }

    [Fact]
    public void Allocate_StaircaseCost_WidensOnlyWhereAWiderWidthIsNoCostlier()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var sixteen = groups.Prunable.Where(g => g.Channels == 16).Select(g => g.Id).ToArray();
        var (a, b) = (sixteen[0], sixteen[1]);
        // Two layers with the staircase (30 ms dense); every other group costs nothing.
        var cost = new FunctionCost("latency", "ms", w => Staircase(w[a]) + Staircase(w[b]));
        var budgets = BudgetSet.Resolve(groups, [BudgetSpec.Parse("latency=25ms")], _ => cost);
        var scores = groups.Prunable.ToDictionary(g => g.Id, g => Enumerable.Repeat(10.0, g.Channels).ToArray());
        scores[a] = Enumerable.Repeat(0.1, 16).ToArray();
        scores[b] = Enumerable.Repeat(0.2, 16).ToArray();

        var result = WidthAllocator.Allocate(groups, scores, budgets, new AllocationOptions(NormalizeScoresPerGroup: false, ShareOfKept: false, Refill: false));

        // No single step saves anything at first; a has the weakest channels and goes down through the slow step to
        // the fast 8 (10 + 15 = 25 ms); b stopped on the flat 13–16 and is moved back to 16; a at 8 has no wider width
        // as cheap and stays.
        Assert.Equal(8, result.Widths[a]);
        Assert.Equal(16, result.Widths[b]);
        Assert.Equal(25, result.Budgets[0].Value);
        Assert.True(result.StaircaseMoves > 0);
        // Groups that cost nothing end at full width, whatever greedy did with them.
        Assert.All(groups.Prunable.Where(g => g.Id != a), g => Assert.Equal(g.Channels, result.Widths[g.Id]));
    }

    [Fact]
    public void Widen_FromAMethodsCut_TakesTheFreeStairsThenRefillsByScorePerCost_KeepingWhatTheCutKept()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var sixteen = groups.Prunable.Where(g => g.Channels == 16).Select(g => g.Id).ToArray();
        var (a, b, c) = (sixteen[0], sixteen[1], sixteen[2]);
        // a and b on the staircase, c 1 ms per channel, every other group free (and left whole by the cut).
        var cost = new FunctionCost("latency", "ms", w => Staircase(w[a]) + Staircase(w[b]) + w[c]);
        var budgets = BudgetSet.Resolve(groups, [BudgetSpec.Parse("latency=40ms")], _ => cost);
        var scores = groups.Prunable.ToDictionary(g => g.Id, g => Enumerable.Repeat(1.0, g.Channels).ToArray());
        // c's cut kept its four lowest-scored channels (a method's own choice); the others rank by score.
        scores[c] = Enumerable.Range(0, 16).Select(i => (double)i).Reverse().ToArray();
        var cut = new GroupMasks(groups);
        cut.KeepOnly(a, Enumerable.Range(0, 11));
        cut.KeepOnly(b, Enumerable.Range(0, 7));
        cut.KeepOnly(c, [12, 13, 14, 15]);
        Assert.Equal(20 + 10 + 4, cost.Total(cut.Widths()));

        var result = WidthAllocator.Widen(groups, scores, budgets, cut, new AllocationOptions(NormalizeScoresPerGroup: false, ShareOfKept: false));

        // Stairs first: a 11 → 16 (20 → 15 ms), b 7 → 8 (10 ms either way); 29 ms. Refill: c's next channel costs 1 ms
        // of the 40 for a score of 1, b's 10 ms (its slow stair) for the same score, so c grows to 15 (40 ms) and b stays.
        Assert.Equal((16, 8, 15), (result.Widths[a], result.Widths[b], result.Widths[c]));
        Assert.Equal(40, result.Budgets[0].Value);
        Assert.Equal(2, result.StaircaseMoves);
        Assert.Equal(-11, result.Removals);
        // c keeps what the cut kept and takes back its best removed channels (0..10); 11, the weakest removed, stays out.
        Assert.Equal([.. Enumerable.Range(0, 11), 12, 13, 14, 15], Kept(result.Masks, c));
        Assert.All(groups.Prunable.Where(g => g.Id != a && g.Id != b && g.Id != c), g => Assert.Equal(g.Channels, result.Widths[g.Id]));

        // Widening only adds: a cut that misses the budget is refused.
        var over = new GroupMasks(groups);
        over.KeepOnly(c, Enumerable.Range(0, 16));
        Assert.Contains("miss a budget", Assert.Throws<ArgumentException>(() => WidthAllocator.Widen(groups, scores, budgets, over)).Message);
    }

    [Fact]
    public void Allocate_ResNet56WithCountCosts_MeetsBothBudgets()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet56");
        var groups = ChannelGroups.Discover(graph);
        var budgets = Resolve(groups, 1, "params=40%", "macs=40%");

        var result = WidthAllocator.Allocate(groups, L1Scores(groups), budgets);

        Assert.All(result.Budgets, b => Assert.True(b.Met, b.Describe()));
        Assert.True(budgets.AllMetBy(result.Widths));
    }
}
