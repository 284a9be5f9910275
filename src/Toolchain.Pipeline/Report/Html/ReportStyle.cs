namespace Toolchain.Pipeline.Report;

/// <summary>
/// The page's stylesheet, inline so the file stands alone. Chart colours live here as classes, so a bar, its legend
/// swatch and the summary's figures cannot disagree. Dense is grey and pruned blue everywhere; predicted is amber.
/// </summary>
internal static class ReportStyle
{
    public const string Css = """
        :root { --dense: #8b95a1; --pruned: #1f6feb; --predicted: #e69500; --pass: #137333; --pass-bg: #e6f4ea; --fail: #c5221f; --fail-bg: #fce8e6; --ink: #1f2328; --muted: #656d76; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); max-width: 1140px; margin: 0 auto; padding: 16px 20px 40px; }
        header h1 { font-size: 24px; margin: 8px 0 4px; }
        h2 { font-size: 19px; margin: 28px 0 10px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
        h3 { font-size: 14px; margin: 14px 0 6px; }
        .subtitle, .note, footer { color: var(--muted); }
        footer { margin-top: 32px; font-size: 12px; }
        .verdict { display: inline-block; font-weight: 700; padding: 4px 12px; border-radius: 4px; }
        .verdict.pass { color: var(--pass); background: var(--pass-bg); }
        .verdict.fail { color: var(--fail); background: var(--fail-bg); }
        .verdict.neutral { color: var(--muted); background: #f0f2f4; }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 12px; }
        .card { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; }
        .card h3 { margin: 0 0 4px; color: var(--muted); font-weight: 600; }
        .card .figures { font-size: 20px; margin: 0; }
        .card .detail { margin: 4px 0 0; color: var(--muted); font-size: 13px; }
        .dense-text { color: #57606a; }
        .pruned-text { color: var(--pruned); font-weight: 700; }
        .dense-text, .pruned-text { white-space: nowrap; }
        table { border-collapse: collapse; width: 100%; margin: 6px 0; font-size: 13px; }
        th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
        thead th { background: #f6f8fa; }
        td.num { white-space: nowrap; }
        table.keyvalue th { width: 220px; background: #f6f8fa; font-weight: 600; }
        tr.pass td.result { color: var(--pass); font-weight: 700; }
        tr.fail td.result { color: var(--fail); font-weight: 700; }
        tr.pass { background: var(--pass-bg); }
        tr.fail { background: var(--fail-bg); }
        tr.warn td { background: #fff8c5; }
        figure.chart { margin: 14px 0; }
        figure.chart figcaption { color: var(--muted); margin-bottom: 4px; }
        figure.chart svg { max-width: 100%; height: auto; }
        svg text { font-family: inherit; fill: var(--ink); }
        svg .tick { font-size: 11px; fill: var(--muted); }
        svg .axis-title { font-size: 13px; font-weight: 600; }
        svg .legend, svg .row-label { font-size: 12px; }
        svg .row-label.muted { fill: var(--muted); font-style: italic; }
        svg .note { font-size: 11px; fill: var(--muted); }
        svg .point-label { font-size: 12px; font-weight: 600; }
        svg .axis { stroke: #57606a; stroke-width: 1; }
        svg .grid { stroke: #eaeef2; stroke-width: 1; }
        svg .bar-dense { fill: var(--dense); }
        svg .bar-pruned, svg .bar-measured { fill: var(--pruned); }
        svg .bar-predicted { fill: var(--predicted); }
        svg .hist-dense { fill: var(--dense); fill-opacity: 0.55; }
        svg .hist-pruned { fill: var(--pruned); fill-opacity: 0.55; }
        svg .hist-dense-median { stroke: #57606a; stroke-width: 1.5; stroke-dasharray: 5 3; }
        svg .hist-pruned-median { stroke: var(--pruned); stroke-width: 1.5; stroke-dasharray: 5 3; }
        svg .trail-line { fill: none; stroke: #afb8c1; stroke-width: 1.5; }
        svg .phase-prune { fill: var(--predicted); }
        svg .phase-cut { fill: #a371f7; }
        svg .phase-finetune { fill: var(--pruned); }
        svg .phase-other { fill: var(--muted); }
        svg .dense-point { fill: var(--ink); }
        svg .chosen-point { fill: none; stroke: var(--pass); stroke-width: 3; }
        svg .budget-line { stroke: var(--fail); stroke-width: 2; stroke-dasharray: 8 4; }
        svg .budget-label { font-size: 12px; fill: var(--fail); font-weight: 600; }
        """;
}
