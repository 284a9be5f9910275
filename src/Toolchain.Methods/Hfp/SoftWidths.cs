using Toolchain.Pruning;

namespace Toolchain.Methods;

/// <summary>
/// HFP's soft widths (our reconstruction): each channel's activity a = σ((s − t)/T) from its relative BatchNorm scale
/// s, and a group's soft width n = Σ a — the differentiable stand-in for how many channels it keeps.
/// </summary>
public static class SoftWidths
{
    public static double Activity(double scale, double threshold, double temperature) => 1 / (1 + Math.Exp(-(scale - threshold) / temperature));

    /// <summary>∂a/∂s = a(1 − a)/T.</summary>
    public static double ActivitySlope(double scale, double threshold, double temperature)
    {
        var a = Activity(scale, threshold, temperature);
        return a * (1 - a) / temperature;
    }

    /// <summary>n = Σ_c σ((s_c − t)/T).</summary>
    public static double Width(IEnumerable<double> scales, double threshold, double temperature) => scales.Sum(s => Activity(s, threshold, temperature));

    /// <summary>
    /// Per group the factor on its penalty push: with <paramref name="shareOfKept"/> (our extension) the share of its
    /// channels it still keeps at the soft widths, n_g / N_g, so a group is pushed less the narrower it is; else 1.
    /// </summary>
    public static double[] PushWeights(ChannelGroups groups, IReadOnlyList<double> soft, bool shareOfKept) =>
        groups.Groups.Select(g => shareOfKept ? Math.Clamp(soft[g.Id] / g.Channels, 0, 1) : 1).ToArray();

    /// <summary>The hard cut of one group (HFP's and structured LTP's): the channels whose score <paramref name="kept"/> accepts, or the highest-scoring one when it accepts none.</summary>
    public static bool[] HardKeep(double[] scores, Func<double, bool> kept)
    {
        var keep = scores.Select(kept).ToArray();
        if (!keep.Any(k => k)) keep[Array.IndexOf(scores, scores.Max())] = true;
        return keep;
    }
}
