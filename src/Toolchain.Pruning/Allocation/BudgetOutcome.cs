namespace Toolchain.Pruning;

/// <summary>Where an allocation ended against one budget: its cost at the allocated widths.</summary>
public sealed record BudgetOutcome(Budget Budget, double Value)
{
    /// <summary>The budget as typed, canonical (e.g. "macs=40%").</summary>
    public string Name => Budget.Spec.ToString();

    public double Limit => Budget.Limit;

    public string Unit => Budget.Cost.Unit;

    public bool Met => Budget.IsMet(Value);

    /// <summary><see cref="Pruning.Budget.Describe"/> of the value.</summary>
    public string Describe() => Budget.Describe(Value);
}
