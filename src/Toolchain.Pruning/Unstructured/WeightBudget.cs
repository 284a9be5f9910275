using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>
/// An unstructured budget: exactly <see cref="Keep"/> of the <see cref="Total"/> conv and linear weight entries
/// (<see cref="PrunableWeights"/>) stay non-zero; biases and BatchNorm parameters are neither counted nor masked.
/// <c>params=10%</c> keeps round(10 % of the total); <c>params=N</c> keeps N. Only a parameter budget has a meaning here:
/// masked weights make no dense kernel faster, so MACs and latency budgets are refused (<see cref="Resolve"/>).
/// </summary>
public sealed record WeightBudget(BudgetSpec Spec, long Keep, long Total)
{
    /// <summary>What a refusal of a MACs or latency budget says (the CLI and the library alike).</summary>
    public const string SpeedRefusal =
        "unstructured sparsity keeps the graph's shape: dense kernels (ONNX Runtime's convolutions, matrix products) do the same work on zeros, " +
        "so MACs and latency do not fall. For a MACs or latency budget prune channels: --sparsity structured (any method), or --method ltp / hfp, " +
        "which learn widths under the budget";

    /// <summary>The share of the weights kept.</summary>
    public double Fraction => (double)Keep / Total;

    /// <summary>
    /// Resolves <paramref name="specs"/> (exactly one, on params) against <paramref name="graph"/>'s conv and linear weights.
    /// </summary>
    /// <exception cref="BudgetException">no budget, more than one, a macs or latency budget (with why and what to use instead),
    /// a count above the weights there are or one the dense model already meets.</exception>
    public static WeightBudget Resolve(ModelGraph graph, IReadOnlyList<BudgetSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(specs);
        ThrowIfRefused(specs);
        var spec = specs[0];
        var total = PrunableWeights.Count(graph);
        var keep = spec.IsFraction ? (long)Math.Round(spec.Value * total) : (long)spec.Value;
        if (keep >= total)
        {
            throw new BudgetException($"budget {spec}: graph '{graph.Name}' has {total:N0} conv and linear weights, so keeping {keep:N0} prunes nothing; " +
                                      "give fewer (params=50%, or a count below the total)");
        }

        if (keep < 1) throw new BudgetException($"budget {spec} keeps no weight of the {total:N0} conv and linear weights of '{graph.Name}'; give a larger share");
        return new WeightBudget(spec, keep, total);
    }

    /// <summary>Refuses what an unstructured run cannot mean, before any model is opened: anything but one params budget.</summary>
    /// <exception cref="BudgetException">as <see cref="Resolve"/>.</exception>
    public static void ThrowIfRefused(IReadOnlyList<BudgetSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        if (specs.FirstOrDefault(s => s.Cost != "params") is { } speed) throw new BudgetException($"budget {speed} cannot be met by unstructured sparsity: {SpeedRefusal}");
        if (specs.Count != 1) throw new BudgetException($"unstructured sparsity takes one budget, params=P% or params=N (the conv and linear weights kept); got {specs.Count}");
    }

    /// <summary>"params=10% (kept 27,000 of 270,000 conv and linear weights)".</summary>
    public string Describe(long kept) => $"{Spec} (kept {kept:N0} of {Total:N0} conv and linear weights, limit {Keep:N0})";
}
