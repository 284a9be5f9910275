namespace Toolchain.Pipeline.Report;

/// <summary>
/// The dense and the pruned model's latency samples on one engine as two overlaid histograms over shared bins, with
/// each median marked. The axis ends a little past the larger p99: a handful of outliers (a page fault, a scheduler
/// hiccup) would otherwise squeeze every bin into a few pixels; how many samples lie beyond is written on the chart.
/// </summary>
internal static class HistogramChart
{
    private const double Width = 1100;
    private const double Height = 380;
    private const double Left = 80;
    private const double Right = 880;
    private const double Top = 24;
    private const double Bottom = 310;
    private const int MaxBins = 150;

    public static string Render(EngineLatency latency)
    {
        var sides = new List<(string Name, string CssClass, LatencyMeasurement Measurement)>();
        if (latency.Dense is { } dense) sides.Add(("dense", "hist-dense", dense));
        sides.Add(("pruned", "hist-pruned", latency.Pruned));

        var low = sides.Min(s => s.Measurement.SamplesMs.Min());
        var high = sides.Max(s => s.Measurement.P99Ms) * 1.05;
        if (high <= low) high = low + Math.Max(low * 0.1, 1e-3);
        // Shared bins, narrow enough that each model's body (fastest sample to p99) spans about 20 of them even when the
        // two lie far apart, and never more than MaxBins in all.
        var body = sides.Min(s => s.Measurement.P99Ms - s.Measurement.SamplesMs.Min());
        var binWidth = Math.Max((high - low) / MaxBins, body > 0 ? body / 20 : (high - low) / 40);
        var bins = (int)Math.Ceiling((high - low) / binWidth - 1e-9);
        var counts = sides.Select(s => Histogram(s.Measurement.SamplesMs, low, binWidth, bins)).ToList();
        var beyond = sides.Select(s => s.Measurement.SamplesMs.Count(v => v > high)).ToList();

        var x = new Scale(low, high, Left, Right);
        var y = new Scale(0, counts.SelectMany(c => c).Max(), Bottom, Top, ticks: 5);
        var svg = new Svg(Width, Height, $"latency histogram on {latency.Engine}, batch {latency.Batch}: dense vs pruned");
        Axes.Bottom(svg, x, Bottom, Top, $"latency of one batch of {latency.Batch} (ms)", Text.Tick);
        Axes.Left(svg, y, Left, Right, "iterations", v => Text.Number(v, "0"));

        var legend = new List<(string, LegendShape, string)>();
        for (var s = 0; s < sides.Count; s++)
        {
            var (name, cssClass, measurement) = sides[s];
            for (var bin = 0; bin < bins; bin++)
            {
                if (counts[s][bin] == 0) continue;
                var from = low + bin * binWidth;
                svg.Rect(x.Map(from), y.Map(counts[s][bin]), x.Map(from + binWidth) - x.Map(from), y.Map(0) - y.Map(counts[s][bin]), cssClass,
                    $"{name}: {counts[s][bin]} iterations in {Text.Ms(from)}–{Text.Ms(from + binWidth)} ms");
            }

            var median = x.Map(measurement.P50Ms);
            svg.Line(median, Top, median, Bottom, cssClass + "-median");
            svg.Label(median + 4, Top + 14 + 16 * s, $"{name} p50 {Text.Ms(measurement.P50Ms)} ms", "point-label");
            legend.Add((cssClass, LegendShape.Box, $"{name} ({measurement.SamplesMs.Count} iterations)"));
        }

        var notes = sides.Select((side, s) => (side, s)).Where(t => beyond[t.s] > 0)
            .Select(t => $"{beyond[t.s]} {t.side.Name} {(beyond[t.s] == 1 ? "iteration lies" : "iterations lie")} beyond the axis (slowest {Text.Ms(t.side.Measurement.SamplesMs.Max())} ms)").ToList();
        if (notes.Count > 0) svg.Label(Left, Height - 6, string.Join("; ", notes), "note");

        Axes.Legend(svg, Right + 30, Top + 20, legend);
        return svg.ToString();
    }

    private static int[] Histogram(IReadOnlyList<double> samples, double low, double binWidth, int bins)
    {
        var counts = new int[bins];
        foreach (var sample in samples)
        {
            var bin = (int)Math.Floor((sample - low) / binWidth);
            // The top edge belongs to the last bin; samples past the axis are counted as "beyond", not drawn.
            if (bin == bins && sample - low <= binWidth * bins * (1 + 1e-12)) bin = bins - 1;
            if (bin >= 0 && bin < bins) counts[bin]++;
        }

        return counts;
    }
}
