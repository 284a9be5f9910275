using System.Globalization;

namespace Toolchain.Pruning;

/// <summary>
/// A budget resolved against one graph (<see cref="BudgetSet.Resolve"/>): the spec, the cost model it is measured
/// by, the dense cost (every group at full width), the minimum (every prunable group at its narrowest allowed width)
/// and the limit a pruned network must not exceed, all in <see cref="ICostModel.Unit"/>.
/// </summary>
public sealed record Budget(BudgetSpec Spec, ICostModel Cost, double Dense, double Minimum, double Limit)
{
    /// <summary>Relative slack for floating-point error when comparing a cost with the limit.</summary>
    public const double Tolerance = 1e-9;

    /// <summary>Whether the network at <paramref name="widths"/> meets the budget.</summary>
    public bool IsMet(IReadOnlyList<int> widths) => IsMet(Cost.Total(widths));

    /// <summary>Whether a cost of <paramref name="value"/> meets the budget (within <see cref="Tolerance"/>).</summary>
    public bool IsMet(double value) => value <= Limit + Tolerance * Math.Abs(Limit);

    /// <summary>
    /// A short account of <paramref name="value"/> against the limit, e.g.
    /// "latency=0.6ms: 0.512 ms of 0.600 ms, met" or "macs=40%: 16,421,888 MACs of 16,262,400 MACs, missed by 1.0 %".
    /// </summary>
    public string Describe(double value)
    {
        var outcome = IsMet(value) ? "met" : $"missed by {(value - Limit) / Limit * 100:F1} %";
        return $"{Spec}: {Format(value, Cost.Unit)} of {Format(Limit, Cost.Unit)}, {outcome}";
    }

    /// <summary>
    /// A value for people, with its unit: times with three decimals ("0.512 ms"), whole counts with thousands
    /// separators ("1,000,000 MACs"), other values with three decimals.
    /// </summary>
    public static string Format(double value, string unit)
    {
        var number = unit is "ms" or "us" or "s" || value != Math.Round(value)
            ? value.ToString("#,0.000", CultureInfo.InvariantCulture)
            : value.ToString("N0", CultureInfo.InvariantCulture);
        return $"{number} {unit}";
    }
}
