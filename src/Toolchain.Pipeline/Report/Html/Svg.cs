using System.Text;

namespace Toolchain.Pipeline.Report;

/// <summary>
/// A minimal SVG writer: shapes with a CSS class (colours live in the page's stylesheet, so charts and legends agree)
/// and an optional tooltip. Every text goes through <see cref="Text.Escape"/>. No xmlns: inline SVG in HTML needs none,
/// and the page then contains no URL at all.
/// </summary>
internal sealed class Svg
{
    private readonly StringBuilder _body = new();

    public Svg(double width, double height, string label)
    {
        Width = width;
        Height = height;
        AriaLabel = label;
    }

    public double Width { get; }

    public double Height { get; }

    private string AriaLabel { get; }

    public void Rect(double x, double y, double width, double height, string cssClass, string? tooltip = null) =>
        Shape("rect", $"x=\"{Text.Px(x)}\" y=\"{Text.Px(y)}\" width=\"{Text.Px(Math.Max(width, 0))}\" height=\"{Text.Px(Math.Max(height, 0))}\" class=\"{cssClass}\"", tooltip);

    public void Line(double x1, double y1, double x2, double y2, string cssClass) =>
        _body.Append($"<line x1=\"{Text.Px(x1)}\" y1=\"{Text.Px(y1)}\" x2=\"{Text.Px(x2)}\" y2=\"{Text.Px(y2)}\" class=\"{cssClass}\"/>");

    public void Circle(double cx, double cy, double r, string cssClass, string? tooltip = null) =>
        Shape("circle", $"cx=\"{Text.Px(cx)}\" cy=\"{Text.Px(cy)}\" r=\"{Text.Px(r)}\" class=\"{cssClass}\"", tooltip);

    /// <summary>A path from points: "M x y L x y ..." (closed with Z when <paramref name="close"/>).</summary>
    public void Path(IEnumerable<(double X, double Y)> points, string cssClass, bool close = false, string? tooltip = null)
    {
        var d = string.Join(" ", points.Select((p, i) => $"{(i == 0 ? "M" : "L")}{Text.Px(p.X)} {Text.Px(p.Y)}"));
        if (d.Length == 0) return;
        Shape("path", $"d=\"{d}{(close ? " Z" : "")}\" class=\"{cssClass}\"", tooltip);
    }

    /// <summary>A diamond marker centred on (x, y).</summary>
    public void Diamond(double x, double y, double r, string cssClass, string? tooltip = null) =>
        Path([(x, y - r), (x + r, y), (x, y + r), (x - r, y)], cssClass, close: true, tooltip);

    public void Label(double x, double y, string text, string cssClass = "", string anchor = "start", double rotate = 0, string? tooltip = null)
    {
        var transform = rotate == 0 ? "" : $" transform=\"rotate({Text.Px(rotate)} {Text.Px(x)} {Text.Px(y)})\"";
        var title = tooltip is null ? "" : $"<title>{Text.Escape(tooltip)}</title>";
        _body.Append($"<text x=\"{Text.Px(x)}\" y=\"{Text.Px(y)}\" text-anchor=\"{anchor}\" class=\"{cssClass}\"{transform}>{title}{Text.Escape(text)}</text>");
    }

    public override string ToString() =>
        $"<svg viewBox=\"0 0 {Text.Px(Width)} {Text.Px(Height)}\" width=\"{Text.Px(Width)}\" height=\"{Text.Px(Height)}\" role=\"img\" aria-label=\"{Text.Escape(AriaLabel)}\">{_body}</svg>";

    // A tooltip is a <title> child, which browsers show on hover: exact values without cluttering the chart.
    private void Shape(string element, string attributes, string? tooltip) =>
        _body.Append(tooltip is null ? $"<{element} {attributes}/>" : $"<{element} {attributes}><title>{Text.Escape(tooltip)}</title></{element}>");
}
