using System.Globalization;

namespace Toolchain.Pipeline.Report;

/// <summary>
/// How close the profile's per-layer predictions came to the engine's per-node profile, over the rows of
/// <see cref="EngineLatency.Layers"/> that have a prediction and a measurement above zero.
/// </summary>
/// <param name="Statistic">How a layer was measured, e.g. "median kernel time over 300 profiled runs after 50 warm-up runs".</param>
/// <param name="Predictions">Where the predictions come from, or why there are none.</param>
/// <param name="Compared">How many rows have both.</param>
/// <param name="Mape">Mean over those rows of |predicted − measured| / measured (a fraction); null when none has both.</param>
/// <param name="Wape">Σ |predicted − measured| / Σ measured over those rows (a fraction): weighted by time, so the slow layers decide it; null when none has both.</param>
/// <param name="PredictedMs">Σ predicted over those rows.</param>
/// <param name="MeasuredMs">Σ measured over those rows.</param>
public sealed record LayerErrorSummary(string Statistic, string Predictions, int Compared, double? Mape, double? Wape, double PredictedMs, double MeasuredMs)
{
    /// <summary>The summary of <paramref name="layers"/>.</summary>
    public static LayerErrorSummary From(IEnumerable<LayerLatency> layers, string statistic, string predictions)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var both = layers.Where(l => l is { PredictedMs: not null, MeasuredMs: > 0 }).Select(l => (Predicted: l.PredictedMs!.Value, Measured: l.MeasuredMs!.Value)).ToList();
        if (both.Count == 0) return new LayerErrorSummary(statistic, predictions, 0, null, null, 0, 0);
        var measured = both.Sum(b => b.Measured);
        return new LayerErrorSummary(statistic, predictions, both.Count, both.Average(b => Math.Abs(b.Predicted - b.Measured) / b.Measured),
            both.Sum(b => Math.Abs(b.Predicted - b.Measured)) / measured, both.Sum(b => b.Predicted), measured);
    }

    /// <summary>One line for people: "MAPE 12.3 % over 24 rows, time-weighted 8.1 % (predicted 0.140 ms, measured 0.152 ms in all)".</summary>
    public string Describe() => Mape is { } mape && Wape is { } wape
        ? string.Create(CultureInfo.InvariantCulture,
            $"MAPE {mape * 100:F1} % over {Compared} rows, time-weighted {wape * 100:F1} % (predicted {PredictedMs:F3} ms, measured {MeasuredMs:F3} ms in all)")
        : "no row has both a prediction and a measurement (" + Predictions + ")";
}
