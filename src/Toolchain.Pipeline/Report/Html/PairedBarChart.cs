namespace Toolchain.Pipeline.Report;

/// <summary>
/// One row of a <see cref="PairedBarChart"/>: a label and two values side by side (null: not known, drawn as a note);
/// <paramref name="Detail"/> is added to the label's tooltip.
/// </summary>
internal sealed record BarRow(string Label, double? First, double? Second, string Note, bool Muted = false, string? Detail = null);

/// <summary>The two series of a <see cref="PairedBarChart"/>: names for the legend and CSS classes for the bars.</summary>
internal sealed record BarSeries(string FirstName, string FirstClass, string SecondName, string SecondClass);

/// <summary>
/// Horizontal bars, two per row (dense vs pruned widths, predicted vs measured latency). Horizontal because rows are
/// named layers or groups: their names read left to right however many there are, where vertical bars would need
/// rotated, overlapping labels.
/// </summary>
internal static class PairedBarChart
{
    private const double Width = 1100;
    private const double LabelWidth = 250;
    private const double NoteWidth = 250;
    private const double Top = 44;
    private const double Bottom = 56;
    private const double RowHeight = 24;
    private const double BarHeight = 9;

    public static string Render(string label, IReadOnlyList<BarRow> rows, BarSeries series, string axisTitle, Func<double, string> tickFormat)
    {
        var height = Top + rows.Count * RowHeight + Bottom;
        var svg = new Svg(Width, height, label);
        var left = LabelWidth;
        var right = Width - NoteWidth;
        var max = rows.SelectMany(r => new[] { r.First, r.Second }).Where(v => v is not null).Select(v => v!.Value).DefaultIfEmpty(1).Max();
        var x = new Scale(0, max, left, right);
        var axisY = Top + rows.Count * RowHeight;
        Axes.Bottom(svg, x, axisY, Top - 6, axisTitle, tickFormat);
        LegendRow(svg, left, 20, series);

        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var rowTop = Top + i * RowHeight + (RowHeight - 2 * BarHeight - 2) / 2;
            svg.Label(left - 8, rowTop + BarHeight + 5, Text.Truncate(row.Label, 34), row.Muted ? "row-label muted" : "row-label", "end",
                tooltip: row.Detail is null ? row.Label : $"{row.Label}\n{row.Detail}");
            Bar(svg, x, rowTop, row.First, series.FirstClass, $"{row.Label}: {series.FirstName} {Value(row.First, tickFormat)}");
            Bar(svg, x, rowTop + BarHeight + 2, row.Second, series.SecondClass, $"{row.Label}: {series.SecondName} {Value(row.Second, tickFormat)}");
            svg.Label(right + 10, rowTop + BarHeight + 5, row.Note, "note");
        }

        return svg.ToString();
    }

    private static void Bar(Svg svg, Scale x, double y, double? value, string cssClass, string tooltip)
    {
        if (value is not { } v) return;
        // A zero-width bar would vanish; a hairline still shows "this row has a value, and it is 0".
        svg.Rect(x.Map(0), y, Math.Max(x.Map(v) - x.Map(0), 1.5), BarHeight, cssClass, tooltip);
    }

    private static string Value(double? value, Func<double, string> format) => value is { } v ? format(v) : "not known";

    private static void LegendRow(Svg svg, double x, double y, BarSeries series)
    {
        svg.Rect(x, y - 10, 14, 12, series.FirstClass);
        svg.Label(x + 20, y, series.FirstName, "legend");
        var second = x + 40 + series.FirstName.Length * 7.5;
        svg.Rect(second, y - 10, 14, 12, series.SecondClass);
        svg.Label(second + 20, y, series.SecondName, "legend");
    }
}
