namespace Toolchain.Pruning;

/// <summary>
/// A budget that cannot be used as given: no cost model for it, two budgets on one cost, or a limit below what the
/// narrowest allowed network costs. An <see cref="ArgumentException"/>, so callers treat it as bad input (exit code 3).
/// </summary>
public sealed class BudgetException : ArgumentException
{
    public BudgetException(string message)
        : base(message)
    {
    }

    public BudgetException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
