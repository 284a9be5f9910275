namespace Toolchain.Pruning;

/// <summary>What <see cref="WidthAllocator.Allocate"/> (or <see cref="WidthAllocator.Widen"/>) chose.</summary>
/// <param name="Widths">Kept channels per group, indexed by group id.</param>
/// <param name="Masks">The kept channels: each group's top-scored ones (ties to the lower index).</param>
/// <param name="Budgets">Each budget's cost at <paramref name="Widths"/>, in the order of the budget set.</param>
/// <param name="Removals">Net steps down (one channel each, or a <c>RoundTo</c> step): the greedy pass's less those refill gave
/// back; from <see cref="WidthAllocator.Widen"/>, minus the steps refill added.</param>
/// <param name="StaircaseMoves">Groups the staircase pass widened to a width no costlier than the one before.</param>
public sealed record AllocationResult(int[] Widths, GroupMasks Masks, IReadOnlyList<BudgetOutcome> Budgets, int Removals, int StaircaseMoves);
