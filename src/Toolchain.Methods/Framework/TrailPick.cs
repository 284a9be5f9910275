namespace Toolchain.Methods;

/// <summary>
/// Choosing a point of a trail of progressively sparser checkpoints (LTP's trail, METHODS.md §4): of the entries that
/// meet the budget, the most accurate; ties go to the earlier entry (fewer epochs of pruning pressure, same accuracy).
/// </summary>
public static class TrailPick
{
    /// <summary>The index in <paramref name="entries"/> of the most accurate entry that meets the budget, or null when none does (or none was evaluated).</summary>
    public static int? MostAccurateWithinBudget(IReadOnlyList<TrailEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        int? best = null;
        for (var i = 0; i < entries.Count; i++)
        {
            if (!entries[i].BudgetsMet || entries[i].TestTop1 is not { } top1) continue;
            if (best is null || top1 > entries[best.Value].TestTop1!.Value) best = i;
        }

        return best;
    }
}
