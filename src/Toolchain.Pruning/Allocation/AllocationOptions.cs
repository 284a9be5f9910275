namespace Toolchain.Pruning;

/// <summary>Settings of <see cref="WidthAllocator.Allocate"/>.</summary>
/// <param name="RoundTo">Kept widths are multiples of this (or a group's full width); must equal the
/// <see cref="BudgetSet.RoundTo"/> the budgets were resolved with. Groups with fewer channels step one at a time.</param>
/// <param name="NormalizeScoresPerGroup">Divide each group's scores by the mean of their magnitudes so groups
/// whose criteria run on different scales compare (an all-zero group stays as it is).</param>
/// <param name="StaircaseWindow">How many channels above its greedy width the staircase pass looks for a width that
/// is no costlier; 0 turns the pass off.</param>
/// <param name="CostAware">Remove by importance per unit of cost saved (the default); false removes by importance
/// alone, one global threshold, as network slimming's |γ| cut does.</param>
/// <param name="ShareOfKept">Weigh a channel by its share of what its group keeps (times the group's mean score), so
/// its weight grows as the group shrinks: with near-equal scores inside layers, removal per unit of cost otherwise
/// empties the costliest layers first (ResNet-20 on 28×28 lost stage 1's inner convs down to one channel).
/// False weighs the scores as they are.</param>
/// <param name="Refill">After greedy removal, give back the steps that still fit every budget (greedy stops at the
/// first widths that meet them, which can be a whole costly step below a limit).</param>
/// <param name="Guide">When set, the cost whose savings rank the steps (removal and refill) in place of the budgets'
/// own: widths allocated by MACs, say, under a latency budget — the budgets still decide when to stop. For
/// comparisons (what latency-aware allocation buys); null, the default, ranks by the budgets' costs.</param>
/// <param name="Ceiling">When set, the widest each group may stay, one width per group (unprunable groups at their
/// full width): removal starts there and neither refill nor the staircase pass goes above it — for methods whose
/// removals are permanent (FSA). Null: every group may stay whole.</param>
public sealed record AllocationOptions(int RoundTo = 1, bool NormalizeScoresPerGroup = true, int StaircaseWindow = 8, bool CostAware = true,
    bool ShareOfKept = true, bool Refill = true, ICostModel? Guide = null, IReadOnlyList<int>? Ceiling = null);
