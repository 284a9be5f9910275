using System.Globalization;
using System.Text.RegularExpressions;

namespace Toolchain.Pruning;

/// <summary>
/// A budget as the user typed it: a cost name (<c>latency</c>, <c>macs</c> or <c>params</c>) and a limit, either a
/// fraction of the dense model's cost (<see cref="IsFraction"/>, 0 &lt; <see cref="Value"/> &lt; 1) or an absolute
/// value (latency in ms, parameters and MACs as counts). <see cref="Parse"/> reads the command-line form,
/// <see cref="ToString"/> writes it back canonically; <see cref="BudgetSet.Resolve"/> turns specs into limits.
/// </summary>
public sealed partial record BudgetSpec(string Cost, double Value, bool IsFraction)
{
    /// <summary>The costs a budget can name.</summary>
    public static IReadOnlyList<string> KnownCosts { get; } = ["latency", "macs", "params"];

    /// <summary>The forms <see cref="Parse"/> accepts (what its errors list).</summary>
    public const string AcceptedForms =
        "COST=P% with 0 < P < 100 for latency, macs or params (latency=50%); latency=Nms or latency=Nus (latency=0.45ms, latency=450us); " +
        "macs=N or params=N, a whole count with an optional suffix k (1e3), M (1e6) or G (1e9) (macs=20M, macs=1.5G, params=120k, params=300000)";

    /// <summary>The cost name, lower-case.</summary>
    public string Cost { get; init; } = CheckCost(Cost);

    /// <summary>The fraction of the dense cost, or the absolute limit (ms for latency, a count otherwise).</summary>
    public double Value { get; init; } = CheckValue(Cost, Value, IsFraction);

    /// <summary>
    /// Reads <c>COST=LIMIT</c>: <c>latency=50%</c>, <c>latency=0.45ms</c>, <c>latency=450us</c>, <c>macs=40%</c>,
    /// <c>macs=20M</c>, <c>macs=1.5G</c>, <c>macs=300000</c>, <c>params=50%</c>, <c>params=120k</c>, <c>params=1.2M</c>.
    /// Whitespace around the text, the '=' and the unit is tolerated; cost names are case-insensitive.
    /// </summary>
    /// <exception cref="FormatException">anything else; the message quotes the text and lists the accepted forms.</exception>
    public static BudgetSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = Pattern().Match(text);
        if (!match.Success) throw Invalid(text, "it is not COST=LIMIT");

        var cost = match.Groups["cost"].Value.ToLowerInvariant();
        if (!KnownCosts.Contains(cost))
        {
            throw Invalid(text, $"'{match.Groups["cost"].Value}' is not a cost; known: {string.Join(", ", KnownCosts)}");
        }

        var number = decimal.Parse(match.Groups["number"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        var unit = match.Groups["unit"].Value;
        var isLatency = cost == "latency";
        decimal value;
        switch (unit)
        {
            case "%":
                if (number <= 0 || number >= 100) throw Invalid(text, "a percentage must lie strictly between 0 and 100");
                return new BudgetSpec(cost, (double)(number / 100m), true);
            case "ms" or "us" or "µs":
                if (!isLatency) throw Invalid(text, $"{cost} is a count, not a time");
                value = unit == "ms" ? number : number / 1000m;
                break;
            case "" or "k" or "M" or "G":
                if (isLatency) throw Invalid(text, "latency needs a unit, ms or us, or a percentage");
                value = number * unit switch { "k" => 1_000m, "M" => 1_000_000m, "G" => 1_000_000_000m, _ => 1m };
                if (value != decimal.Truncate(value)) throw Invalid(text, $"{cost} is a whole count");
                break;
            default:
                throw Invalid(text, $"'{unit}' is not a unit");
        }

        if (value <= 0) throw Invalid(text, "the limit must be positive");
        return new BudgetSpec(cost, (double)value, false);
    }

    /// <summary>The limit for a model whose dense cost is <paramref name="denseCost"/>: the fraction of it, or the absolute value.</summary>
    public double LimitFor(double denseCost) => IsFraction ? Value * denseCost : Value;

    /// <summary>The canonical form <see cref="Parse"/> reads back: <c>latency=50%</c>, <c>macs=20M</c>, <c>latency=0.45ms</c>.</summary>
    public override string ToString()
    {
        if (IsFraction) return $"{Cost}={Number(Value * 100)}%";
        if (Cost == "latency") return $"{Cost}={Number(Value)}ms";
        var (scale, suffix) = Value switch
        {
            >= 1e9 => (1e9, "G"),
            >= 1e6 => (1e6, "M"),
            >= 1e3 => (1e3, "k"),
            _ => (1.0, ""),
        };
        return $"{Cost}={Number(Value / scale)}{suffix}";
    }

    // Up to 10 decimals, so 0.45 · 100 prints 45 and not 45.00000000000001.
    private static string Number(double value) => Math.Round(value, 10).ToString("0.##########", CultureInfo.InvariantCulture);

    private static string CheckCost(string cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        var lower = cost.Trim().ToLowerInvariant();
        if (!KnownCosts.Contains(lower))
        {
            throw new ArgumentException($"'{cost}' is not a budget cost; known: {string.Join(", ", KnownCosts)}", nameof(cost));
        }

        return lower;
    }

    private static double CheckValue(string cost, double value, bool isFraction)
    {
        if (isFraction && !(value > 0 && value < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"a {cost} budget given as a fraction of the dense cost must lie strictly between 0 and 1");
        }

        if (!isFraction && !(value > 0 && double.IsFinite(value)))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"an absolute {cost} budget must be positive and finite");
        }

        return value;
    }

    private static FormatException Invalid(string text, string why) =>
        new($"budget '{text}' is not understood ({why}); accepted forms: {AcceptedForms}");

    [GeneratedRegex(@"^\s*(?<cost>[A-Za-z]+)\s*=\s*(?<number>[0-9]+(\.[0-9]+)?|\.[0-9]+)\s*(?<unit>%|[A-Za-zµ]+)?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
