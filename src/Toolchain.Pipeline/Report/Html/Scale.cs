namespace Toolchain.Pipeline.Report;

/// <summary>A linear map from data values to pixels over a domain widened to "nice" tick steps (1, 2 or 5 × 10^k).</summary>
internal sealed class Scale
{
    public Scale(double low, double high, double pixelLow, double pixelHigh, int ticks = 6)
    {
        if (!double.IsFinite(low) || !double.IsFinite(high)) throw new ArgumentException($"a chart axis needs finite bounds, got [{low}, {high}]");
        if (high <= low)
        {
            // A single value (or all values equal) still needs an axis around it.
            var pad = low == 0 ? 1 : Math.Abs(low) * 0.1;
            (low, high) = (low - pad, high + pad);
        }

        Step = NiceStep((high - low) / ticks);
        Low = Math.Floor(low / Step) * Step;
        High = Math.Ceiling(high / Step) * Step;
        PixelLow = pixelLow;
        PixelHigh = pixelHigh;
    }

    public double Low { get; }

    public double High { get; }

    public double Step { get; }

    private double PixelLow { get; }

    private double PixelHigh { get; }

    public double Map(double value) => PixelLow + (value - Low) / (High - Low) * (PixelHigh - PixelLow);

    public IEnumerable<double> Ticks()
    {
        // Counting steps instead of adding them avoids 0.30000000000000004 creeping into labels.
        var count = (int)Math.Round((High - Low) / Step);
        for (var i = 0; i <= count; i++) yield return Low + i * Step;
    }

    private static double NiceStep(double rough)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var fraction = rough / magnitude;
        return magnitude * (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10);
    }
}
