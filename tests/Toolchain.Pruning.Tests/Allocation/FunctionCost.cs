namespace Toolchain.Pruning.Tests.Allocation;

/// <summary>
/// A test-only cost model given by a function of the widths (a stand-in for a measured latency, whose shape —
/// staircases, kernel switches — tests choose). Marginal is the exact drop of <see cref="Total"/>.
/// </summary>
internal sealed class FunctionCost(string name, string unit, Func<IReadOnlyList<int>, double> total) : ICostModel
{
    public string Name => name;

    public string Unit => unit;

    public int TotalCalls { get; private set; }

    public double Total(IReadOnlyList<int> widths)
    {
        TotalCalls++;
        return total(widths);
    }

    public IReadOnlyDictionary<string, double> PerNode(IReadOnlyList<int> widths) => new Dictionary<string, double> { ["all"] = Total(widths) };

    public double Marginal(IReadOnlyList<int> widths, int groupId)
    {
        var narrower = widths.ToArray();
        narrower[groupId]--;
        return Total(widths) - Total(narrower);
    }
}
