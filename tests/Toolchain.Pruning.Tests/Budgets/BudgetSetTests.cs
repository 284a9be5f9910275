using System.Globalization;
using Toolchain.Graph;
using Toolchain.Pruning.Tests.Allocation;
using Toolchain.Torch;

namespace Toolchain.Pruning.Tests.Budgets;

public sealed class BudgetSetTests
{
    internal static Func<string, ICostModel?> CountCosts(ChannelGroups groups) => name => name switch
    {
        "params" => new ParameterCost(groups),
        "macs" => new MacCost(groups),
        _ => null,
    };

    private static BudgetSet Resolve(ChannelGroups groups, int roundTo, params string[] specs) =>
        BudgetSet.Resolve(groups, specs.Select(BudgetSpec.Parse).ToList(), CountCosts(groups), roundTo);

    [Fact]
    public void Resolve_ParamsHalf_LimitIsHalfTheDenseCount()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var budgets = Resolve(groups, 1, "params=50%", "macs=20M");

        var (parameters, macs) = (budgets.Budgets[0], budgets.Budgets[1]);
        Assert.Equal(graph.ParameterCount, parameters.Dense);
        Assert.Equal(0.5 * graph.ParameterCount, parameters.Limit, 6);
        Assert.Equal(new ParameterCost(groups).Total(BudgetSet.MinimumWidths(groups, 1)), parameters.Minimum);
        Assert.True(parameters.Minimum < parameters.Limit);
        Assert.Equal("params", parameters.Cost.Name);
        Assert.Equal(graph.Macs, macs.Dense);
        Assert.Equal(20e6, macs.Limit);
        Assert.False(budgets.AlreadyMetByDense);
        Assert.False(budgets.AllMetBy(groups.FullWidths()));
        Assert.True(budgets.AllMetBy(BudgetSet.MinimumWidths(groups, 1)));
    }

    [Theory]
    [InlineData("params=10", "params", "parameters")]
    [InlineData("macs=1k", "macs", "MACs")]
    public void Resolve_BudgetBelowTheMinimum_ThrowsNamingBudgetLimitAndMinimum(string spec, string cost, string unit)
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var minimum = CountCosts(groups)(cost)!.Total(BudgetSet.MinimumWidths(groups, 1));

        var error = Assert.Throws<BudgetException>(() => Resolve(groups, 1, spec));
        Assert.Contains($"budget {BudgetSpec.Parse(spec)}", error.Message);
        Assert.Contains($"minimum {minimum.ToString("N0", CultureInfo.InvariantCulture)} {unit}", error.Message);
        Assert.Contains("raise the budget", error.Message);
    }

    [Fact]
    public void Resolve_RoundTo8_RaisesTheMinimum()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var one = Resolve(groups, 1, "params=50%").Budgets[0];
        var eight = Resolve(groups, 8, "params=50%").Budgets[0];

        Assert.True(eight.Minimum > one.Minimum);
        Assert.All(groups.Prunable, g => Assert.Equal(g.Channels >= 8 ? 8 : 1, BudgetSet.MinimumWidth(g, 8)));
        var error = Assert.Throws<BudgetException>(() => Resolve(groups, 8, $"params={(int)(one.Minimum + eight.Minimum) / 2}"));
        Assert.Contains("8 channels", error.Message);
    }

    [Fact]
    public void Resolve_BudgetAboveTheDenseCost_IsAlreadyMetByDense()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var budgets = Resolve(groups, 1, "params=100M");
        Assert.True(budgets.AlreadyMetByDense);
        Assert.True(budgets.AllMetBy(groups.FullWidths()));
    }

    [Fact]
    public void Resolve_NoModelForTheCost_ThrowsNamingCostAndBudget()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var error = Assert.Throws<BudgetException>(() => Resolve(groups, 1, "params=50%", "latency=50%"));
        Assert.Equal("no 'latency' cost model is available for budget latency=50%", error.Message);
    }

    [Fact]
    public void Resolve_TwoBudgetsOnOneCost_ThrowsNamingBoth()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var error = Assert.Throws<BudgetException>(() => Resolve(groups, 1, "params=50%", "Params=120k"));
        Assert.Contains("params=50% and params=120k", error.Message);
    }

    [Fact]
    public void Resolve_NoSpecsOrBadRoundTo_ThrowsArgument()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var error = Assert.Throws<ArgumentException>(() => BudgetSet.Resolve(groups, [], CountCosts(groups)));
        Assert.IsNotType<BudgetException>(error);
        Assert.Contains("no budget", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Resolve(groups, 0, "params=50%"));
    }

    [Fact]
    public void Resolve_CostModelOfAnotherName_Throws()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(graph);
        var error = Assert.Throws<BudgetException>(() =>
            BudgetSet.Resolve(groups, [BudgetSpec.Parse("macs=50%")], _ => new ParameterCost(groups)));
        Assert.Contains("'params'", error.Message);
    }

    [Fact]
    public void Describe_MetAndMissed_SaysValueLimitAndOutcome()
    {
        var cost = new FunctionCost("latency", "ms", _ => 1.0);
        var latency = new Budget(BudgetSpec.Parse("latency=0.6ms"), cost, 1.0, 0.1, 0.6);
        Assert.Equal("latency=0.6ms: 0.512 ms of 0.600 ms, met", latency.Describe(0.512));
        Assert.Equal("latency=0.6ms: 0.619 ms of 0.600 ms, missed by 3.2 %", latency.Describe(0.6192));
        Assert.True(latency.IsMet(0.6 * (1 + 1e-12)));
        Assert.False(latency.IsMet(0.6001));

        var macs = new Budget(BudgetSpec.Parse("macs=1M"), new FunctionCost("macs", "MACs", _ => 0), 4e6, 1e5, 1e6);
        Assert.Equal("macs=1M: 999,000 MACs of 1,000,000 MACs, met", macs.Describe(999_000));
        Assert.Equal("macs=1M: 1,500,000 MACs of 1,000,000 MACs, missed by 50.0 %", macs.Describe(1_500_000));
    }
}
