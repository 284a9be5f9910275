namespace Toolchain.Pipeline.Report;

/// <summary>Axes with ticks, grid lines and a title naming the quantity and its unit.</summary>
internal static class Axes
{
    /// <summary>An x axis along <paramref name="y"/> with vertical grid lines up to <paramref name="top"/>.</summary>
    public static void Bottom(Svg svg, Scale x, double y, double top, string title, Func<double, string> format)
    {
        foreach (var tick in x.Ticks())
        {
            var px = x.Map(tick);
            svg.Line(px, top, px, y, "grid");
            svg.Line(px, y, px, y + 5, "axis");
            svg.Label(px, y + 18, format(tick), "tick", "middle");
        }

        svg.Line(x.Map(x.Low), y, x.Map(x.High), y, "axis");
        svg.Label((x.Map(x.Low) + x.Map(x.High)) / 2, y + 40, title, "axis-title", "middle");
    }

    /// <summary>A y axis along <paramref name="x"/> with horizontal grid lines across to <paramref name="right"/>.</summary>
    public static void Left(Svg svg, Scale y, double x, double right, string title, Func<double, string> format)
    {
        foreach (var tick in y.Ticks())
        {
            var py = y.Map(tick);
            svg.Line(x, py, right, py, "grid");
            svg.Line(x - 5, py, x, py, "axis");
            svg.Label(x - 8, py + 4, format(tick), "tick", "end");
        }

        svg.Line(x, y.Map(y.Low), x, y.Map(y.High), "axis");
        var middle = (y.Map(y.Low) + y.Map(y.High)) / 2;
        svg.Label(x - 52, middle, title, "axis-title", "middle", rotate: -90);
    }

    /// <summary>A legend as a column of swatches: (css class of the swatch, shape, text).</summary>
    public static void Legend(Svg svg, double x, double y, IEnumerable<(string CssClass, LegendShape Shape, string Text)> entries)
    {
        foreach (var (cssClass, shape, text) in entries)
        {
            switch (shape)
            {
                case LegendShape.Box: svg.Rect(x, y - 10, 14, 12, cssClass); break;
                case LegendShape.Dot: svg.Circle(x + 7, y - 4, 5, cssClass); break;
                case LegendShape.Diamond: svg.Diamond(x + 7, y - 4, 7, cssClass); break;
                case LegendShape.Ring: svg.Circle(x + 7, y - 4, 7, cssClass); break;
                case LegendShape.Line: svg.Line(x, y - 4, x + 14, y - 4, cssClass); break;
            }

            svg.Label(x + 22, y, text, "legend");
            y += 20;
        }
    }
}

internal enum LegendShape
{
    Box,
    Dot,
    Diamond,
    Ring,
    Line,
}
