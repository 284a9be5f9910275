namespace Toolchain.Pruning;

/// <summary>
/// The budgets a pruning run must meet together, resolved against one graph's channel groups: each spec gets its
/// cost model, the dense cost, the minimum reachable cost and its limit. Resolution refuses what no pruning can
/// satisfy, so a method handed a <see cref="BudgetSet"/> always has a way to meet it.
/// </summary>
public sealed class BudgetSet
{
    private BudgetSet(ChannelGroups groups, IReadOnlyList<Budget> budgets, int roundTo)
    {
        Groups = groups;
        Budgets = budgets;
        RoundTo = roundTo;
    }

    /// <summary>The channel groups the budgets were resolved for (widths are indexed by their ids).</summary>
    public ChannelGroups Groups { get; }

    /// <summary>The budgets, in the order of the specs.</summary>
    public IReadOnlyList<Budget> Budgets { get; }

    /// <summary>The width multiple the minimum was computed for (what allocation must use).</summary>
    public int RoundTo { get; }

    /// <summary>Whether the dense network (every group at full width) already meets every budget: nothing to prune.
    /// False for <see cref="Unconstrained"/>, where a method's own setting (a uniform ratio) decides.</summary>
    public bool AlreadyMetByDense => Budgets.Count > 0 && Budgets.All(b => b.IsMet(b.Dense));

    /// <summary>Refuses a pruning run with nothing to do: every budget already holds for the dense network.</summary>
    /// <exception cref="BudgetException">the dense network meets every budget.</exception>
    public void ThrowIfAlreadyMetByDense()
    {
        if (!AlreadyMetByDense) return;
        throw new BudgetException($"the dense model already meets every budget ({string.Join("; ", Budgets.Select(b => b.Describe(b.Dense)))}); nothing to prune");
    }

    /// <summary>No budget at all: the method's own setting decides the widths (the uniform <c>--ratio</c> baseline).</summary>
    public static BudgetSet Unconstrained(ChannelGroups groups, int roundTo = 1)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return new BudgetSet(groups, [], roundTo);
    }

    /// <summary>Whether the network at <paramref name="widths"/> meets every budget.</summary>
    public bool AllMetBy(IReadOnlyList<int> widths) => Budgets.All(b => b.IsMet(widths));

    /// <summary>
    /// The narrowest width a group may take when widths are multiples of <paramref name="roundTo"/>: its full width
    /// when unprunable, <paramref name="roundTo"/> when it has that many channels, else 1.
    /// </summary>
    public static int MinimumWidth(ChannelGroup group, int roundTo)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (!group.Prunable) return group.Channels;
        return roundTo <= group.Channels ? roundTo : 1;
    }

    /// <summary>Every group at <see cref="MinimumWidth"/>.</summary>
    public static int[] MinimumWidths(ChannelGroups groups, int roundTo)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return groups.Groups.Select(g => MinimumWidth(g, roundTo)).ToArray();
    }

    /// <summary>
    /// Resolves <paramref name="specs"/> for <paramref name="groups"/>: the cost model of each comes from
    /// <paramref name="costModel"/> (by the spec's cost name; null when none is available), its dense cost is the
    /// total at full widths and its minimum the total with every prunable group at <see cref="MinimumWidth"/>.
    /// </summary>
    /// <param name="roundTo">The width multiple pruning will keep (1: any width).</param>
    /// <exception cref="ArgumentException">no specs, or roundTo below 1.</exception>
    /// <exception cref="BudgetException">no cost model for a spec, two specs on one cost, or a limit below the minimum.</exception>
    public static BudgetSet Resolve(ChannelGroups groups, IReadOnlyList<BudgetSpec> specs, Func<string, ICostModel?> costModel, int roundTo = 1)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(specs);
        ArgumentNullException.ThrowIfNull(costModel);
        if (roundTo < 1) throw new ArgumentOutOfRangeException(nameof(roundTo), roundTo, "roundTo must be at least 1");
        if (specs.Count == 0) throw new ArgumentException("no budget was given; give at least one, e.g. params=50%, macs=20M or latency=0.45ms", nameof(specs));

        var duplicate = specs.GroupBy(s => s.Cost).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new BudgetException($"budgets {string.Join(" and ", duplicate)} both limit {duplicate.Key}; give one budget per cost");
        }

        var full = groups.FullWidths();
        var minimum = MinimumWidths(groups, roundTo);
        var budgets = new List<Budget>(specs.Count);
        foreach (var spec in specs)
        {
            var cost = costModel(spec.Cost)
                ?? throw new BudgetException($"no '{spec.Cost}' cost model is available for budget {spec}");
            if (!string.Equals(cost.Name, spec.Cost, StringComparison.OrdinalIgnoreCase))
            {
                throw new BudgetException($"budget {spec} was given the '{cost.Name}' cost model; it needs the '{spec.Cost}' one");
            }

            var dense = cost.Total(full);
            var least = cost.Total(minimum);
            var budget = new Budget(spec, cost, dense, least, spec.LimitFor(dense));
            if (!budget.IsMet(least))
            {
                var channels = roundTo == 1 ? "one channel" : $"{roundTo} channels (one where a group has fewer)";
                throw new BudgetException(
                    $"budget {spec} ({Budget.Format(budget.Limit, cost.Unit)}) is below the minimum {Budget.Format(least, cost.Unit)} that {channels} in every prunable group costs " +
                    $"({least / dense * 100:F1} % of the dense {Budget.Format(dense, cost.Unit)}); raise the budget to at least that");
            }

            budgets.Add(budget);
        }

        return new BudgetSet(groups, budgets, roundTo);
    }
}
