using Toolchain.Methods;

namespace Toolchain.Pipeline.Report;

/// <summary>One trail entry (<see cref="TrailEntry"/>) reduced to what the report plots.</summary>
/// <param name="Phase">"prune", "cut" or "finetune".</param>
/// <param name="Epoch">1-based epoch within the phase; 0 for an entry recorded outside an epoch (a one-shot cut).</param>
/// <param name="PredictedLatencyMs">The profile's prediction at the entry's widths; null without a profile.</param>
/// <param name="Macs">MACs at the entry's widths.</param>
/// <param name="Parameters">Parameters at the entry's widths.</param>
/// <param name="Top1">Test top-1 (fraction); null when not evaluated at this entry.</param>
/// <param name="BudgetsMet">Whether every budget held at this entry.</param>
public sealed record TrailPoint(string Phase, int Epoch, double? PredictedLatencyMs, long Macs, long Parameters, double? Top1, bool BudgetsMet)
{
    /// <summary>The point of a trail entry; its costs are read by the names the methods record ("latency", "macs", "params").</summary>
    public static TrailPoint From(TrailEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        double? Cost(string name) => entry.Costs.TryGetValue(name, out var value) ? value : null;
        return new TrailPoint(entry.Phase, entry.Epoch, Cost("latency"), (long)(Cost("macs") ?? 0), (long)(Cost("params") ?? 0), entry.TestTop1, entry.BudgetsMet);
    }
}
