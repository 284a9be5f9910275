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
public sealed record AllocationOptions(int RoundTo = 1, bool NormalizeScoresPerGroup = true, int StaircaseWindow = 8, bool CostAware = true);
