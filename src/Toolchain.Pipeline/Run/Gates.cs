using System.Globalization;
using Toolchain.Pipeline.Report;

namespace Toolchain.Pipeline;

/// <summary>
/// The gates a build pipeline fails on, judged from measurements: every budget as measured on the deployed engine
/// (latency at the target batch within the configured tolerance; parameters and MACs exactly), the accuracy floor and
/// the largest drop against dense, output parity between ONNX Runtime and our executor, and the minimum speed-up.
/// Gates the configuration leaves null are not judged.
/// </summary>
public static class Gates
{
    /// <param name="dataParity">The pruned model's parity on real test images; null when it was not checked (the gate then judges the export's check alone).</param>
    public static IReadOnlyList<GateResult> Judge(PipelineConfig c, PruneSummary prune, IReadOnlyList<BatchLatency> latency, DataParity? dataParity = null)
    {
        var gates = new List<GateResult>();
        var target = latency.Single(l => l.Batch == c.Target.Batch && l.Engine == c.Target.Engine); // the budget is judged on the target engine
        foreach (var budget in prune.Budgets) gates.Add(Budget(budget, c.Gates.LatencyTolerance ?? 0, prune, target));

        if (c.Gates.AccuracyFloor is { } floor)
        {
            var top1 = prune.PrunedTop1;
            gates.Add(top1 is { } a
                ? new GateResult("accuracy floor", a, floor, null, "top-1", a >= floor, $"pruned top-1 {a:P2} against the floor {floor:P2}")
                : new GateResult("accuracy floor", null, floor, null, "top-1", false, "no accuracy was measured (the run has no test data)"));
        }

        if (c.Gates.MaxAccuracyDrop is { } drop)
        {
            gates.Add(prune is { DenseTop1: { } d, PrunedTop1: { } p }
                ? new GateResult("accuracy drop", d - p, drop, null, "top-1", d - p <= drop, $"top-1 fell {(d - p) * 100:F2} points ({d:P2} → {p:P2}); at most {drop * 100:F2} allowed")
                : new GateResult("accuracy drop", null, drop, null, "top-1", false, "no accuracy was measured (the run has no test data)"));
        }

        if (c.Gates.Parity is { } parity) gates.Add(Parity(parity, prune, dataParity));

        if (c.Gates.MinSpeedup is { } speedup)
        {
            gates.Add(new GateResult("speed-up", target.Speedup, speedup, null, "×", target.Speedup >= speedup,
                $"measured {target.Speedup:F2}× at batch {target.Batch} (p50 {target.Dense.P50Ms:F3} → {target.Pruned.P50Ms:F3} ms); at least {speedup:F2}× required"));
        }

        return gates;
    }

    /// <summary>
    /// A budget as measured. Latency: the pruned model's p50 at the target batch, for a share against the dense model's
    /// p50 measured in the same run (machines drift; the two took turns), for milliseconds against the limit, each within
    /// the tolerance. Parameters and MACs are counts: exact.
    /// </summary>
    private static GateResult Budget(BudgetSummary b, double tolerance, PruneSummary prune, BatchLatency target)
    {
        var name = $"budget {b.Spec}";
        if (b.Cost != "latency")
        {
            var value = b.Cost == "params" ? prune.PrunedParameters : prune.PrunedMacs;
            return new GateResult(name, value, Math.Floor(b.Limit), null, b.Cost == "params" ? "parameters" : "MACs", value <= b.Limit,
                $"{b.Cost} {value.ToString("N0", CultureInfo.InvariantCulture)} against the limit {Math.Floor(b.Limit).ToString("N0", CultureInfo.InvariantCulture)}");
        }

        if (b.Fraction is { } fraction)
        {
            var share = target.Pruned.P50Ms / target.Dense.P50Ms;
            var allowed = fraction * (1 + tolerance);
            return new GateResult(name, 100 * share, 100 * fraction, 100 * fraction * tolerance, "%", share <= allowed,
                $"measured {share:P1} of dense at batch {target.Batch} (p50 {target.Pruned.P50Ms:F3} of {target.Dense.P50Ms:F3} ms); at most {allowed:P1} " +
                $"({fraction:P0} + {tolerance:P0} tolerance); predicted {b.Value:F3} ms");
        }

        var limit = b.Limit * (1 + tolerance);
        return new GateResult(name, target.Pruned.P50Ms, b.Limit, b.Limit * tolerance, "ms", target.Pruned.P50Ms <= limit,
            $"measured p50 {target.Pruned.P50Ms:F3} ms at batch {target.Batch}; at most {limit:F3} ms ({b.Limit:F3} ms + {tolerance:P0} tolerance); predicted {b.Value:F3} ms");
    }

    /// <summary>
    /// Output parity, ONNX Runtime against our executor: the worse of the export's check (a seeded random batch) and the
    /// check on real test images, each named with its |Δ|.
    /// </summary>
    private static GateResult Parity(double limit, PruneSummary prune, DataParity? data)
    {
        var checks = new List<(string Input, double Diff)>();
        if (prune.ParityMaxAbsDiff is { } random) checks.Add(("a random batch at export", random));
        if (data is not null) checks.Add(($"{data.Describe()} (top-1 agreement {data.Top1Agreement.ToString("P1", CultureInfo.InvariantCulture)})", data.MaxAbsDiff));
        if (checks.Count == 0) return new GateResult("parity", null, limit, null, "", false, "the exported model's parity was not checked");
        var worst = checks.Max(k => k.Diff);
        var onData = data is null ? "; not checked on real data" : "";
        return new GateResult("parity", worst, limit, null, "", worst <= limit,
            $"max |Δ| between ONNX Runtime and our executor {string.Join(", ", checks.Select(k => $"{Number(k.Diff)} on {k.Input}"))}{onData}; at most {Number(limit)} allowed");
    }

    private static string Number(double value) => value.ToString("G3", CultureInfo.InvariantCulture);
}
