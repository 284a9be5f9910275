using Toolchain.Pruning;

namespace Toolchain.Methods;

/// <summary>
/// HFP's penalty over every budget at soft widths n (our reconstruction): <c>P(n) = Σ_b λ · max(0, C_b(n)/C_b(dense) − q_b)</c>
/// with q_b the budget's limit as a share of the dense cost; a latency budget enters through the profile's cost model
/// like params and MACs. The cost models count whole channels, so C_b is taken at the soft widths rounded (each at
/// least 1), and ∂C_b/∂n_g is the cost per channel of the group's upper half there (<see cref="Slope"/>) — 0 for a group
/// at one channel, its floor.
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
            foreach (var group in groups.Prunable.Where(g => widths[g.Id] > 1)) gradient[group.Id] += lambda / budget.Dense * Slope(budget.Cost, widths, group.Id);
        }

        return (value, gradient);
    }

    /// <summary>
    /// What each of group <paramref name="groupId"/>'s upper channels costs at <paramref name="widths"/>: the secant
    /// (C(w) − C(⌈w/2⌉)) / (w − ⌈w/2⌉), never below 0. For params and MACs, linear in one group's width, it is the
    /// one-channel <see cref="ICostModel.Marginal"/>. A latency profile is a staircase in width (blocked kernels, kernel
    /// choices that change with the width), whose one-channel step is 0 or even negative at most widths — ResNet-20 at
    /// batch 8 was predicted 4.10 ms with a few channels fewer against 3.59 ms dense — so the one-channel step gave HFP
    /// no push at all under a latency budget (the channels never met it, and the cut fell to chance at the phase's
    /// end). The secant over the upper half sees the staircase's slope; a group whose narrower half is no cheaper gets
    /// no push (a negative one would grow its channels).
    /// </summary>
    public static double Slope(ICostModel cost, IReadOnlyList<int> widths, int groupId)
    {
        var width = widths[groupId];
        if (width <= 1) return 0;
        var narrower = widths.ToArray();
        narrower[groupId] = (width + 1) / 2;
        return Math.Max(0, (cost.Total(widths) - cost.Total(narrower)) / (width - narrower[groupId]));
    }
}
