using Toolchain.Pruning;

namespace Toolchain.Methods;

/// <summary>
/// HFP's penalty over every budget at soft widths n (our reconstruction): <c>P(n) = Σ_b λ · max(0, C_b(n)/C_b(dense) − q_b)</c>
/// with q_b the budget's limit as a share of the dense cost; a latency budget enters through the profile's cost model
/// like params and MACs. The cost models count whole channels, so C_b is taken at the soft widths rounded (each at
/// least 1), and ∂C_b/∂n_g is the cost of the group's last channel there (<see cref="ICostModel.Marginal"/>, the
/// profile's ∂latency/∂width for latency) — 0 for a group at one channel, its floor.
/// </summary>
public sealed class BudgetPenalty(BudgetSet budgets, double lambda)
{
    /// <summary>P at <paramref name="softWidths"/> (one per group; unprunable groups at full width) and ∂P/∂n per group.</summary>
    public (double Value, double[] Gradient) Evaluate(IReadOnlyList<double> softWidths)
    {
        ArgumentNullException.ThrowIfNull(softWidths);
        var groups = budgets.Groups;
        if (softWidths.Count != groups.Count) throw new ArgumentException($"{softWidths.Count} soft widths for {groups.Count} channel groups", nameof(softWidths));
        var widths = groups.Groups.Select(g => g.Prunable ? Math.Clamp((int)Math.Round(softWidths[g.Id]), 1, g.Channels) : g.Channels).ToArray();
        var value = 0.0;
        var gradient = new double[groups.Count];
        foreach (var budget in budgets.Budgets)
        {
            var excess = budget.Cost.Total(widths) / budget.Dense - budget.Limit / budget.Dense;
            if (excess <= 0) continue;
            value += lambda * excess;
            // A group at one channel is at its floor (the cut keeps at least one): no push, rather than one that would
            // silence its last channel.
            foreach (var group in groups.Prunable.Where(g => widths[g.Id] > 1)) gradient[group.Id] += lambda / budget.Dense * budget.Cost.Marginal(widths, group.Id);
        }

        return (value, gradient);
    }
}
