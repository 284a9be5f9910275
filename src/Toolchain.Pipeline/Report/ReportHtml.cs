using System.Globalization;
using System.Text;
using Toolchain.Torch.Serialization;

namespace Toolchain.Pipeline.Report;

/// <summary>
/// Renders <c>report.html</c>: one self-contained page (inline CSS, charts as inline SVG drawn here, no script, no URL)
/// that opens from a CI artifact store or an e-mail attachment with no network. A Content-Security-Policy of
/// default-src 'none' makes that a guarantee: should anything ever reference an outside resource, the browser blocks
/// it and says so in the console, where the browser test looks. Every chart sits in an element with a
/// <c>data-chart</c> attribute naming it; every text from the report is escaped.
/// </summary>
public static class ReportHtml
{
    /// <summary>The usual file name inside a run folder.</summary>
    public const string FileName = "report.html";

    /// <summary>Past this many layers the per-layer chart keeps the slowest ones: a bar per ONNX node of a large model is unreadable.</summary>
    private const int MaxLayers = 60;

    public static string Render(RunReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        var title = $"{report.Model.Name} pruned with {report.Method}";
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append($"<title>{Text.Escape(title)} — toolchain report</title>\n<style>{ReportStyle.Css}</style>\n</head>\n<body>\n");

        Header(html, report, title);
        Summary(html, report);
        Gates(html, report);
        Widths(html, report);
        Trail(html, report);
        Latency(html, report);
        Parity(html, report);
        Environment(html, report);
        Artifacts(html, report);

        html.Append($"<footer>toolchain {Text.Escape(report.Run.ToolRevision)} · results.json schema version {report.SchemaVersion}</footer>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Writes the page to <paramref name="path"/> through a temporary file, so a reader never sees half a page.</summary>
    public static void Write(RunReport report, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.WriteAllText(path, Render(report));
    }

    private static void Header(StringBuilder html, RunReport report, string title)
    {
        var failed = report.Gates.Count(g => !g.Passed);
        var verdict = report.Gates.Count == 0 ? ("neutral", "no gates")
            : failed == 0 ? ("pass", $"PASSED: all {report.Gates.Count} gates")
            : ("fail", $"FAILED: {failed} of {report.Gates.Count} gates");
        html.Append($"<header><h1>{Text.Escape(title)}</h1><div class=\"verdict {verdict.Item1}\">{Text.Escape(verdict.Item2)}</div>");
        var run = report.Run;
        var duration = run.FinishedUtc is { } finished ? $", took {Duration(finished - run.StartedUtc)}" : ", unfinished";
        html.Append($"<p class=\"subtitle\">model source {Text.Escape(report.Model.Source)} · started {Utc(run.StartedUtc)}{duration}");
        html.Append($" · config {Text.Escape(run.ConfigFile ?? "none")} · output {Text.Escape(run.OutputFolder)}</p></header>\n");
    }

    private static void Summary(StringBuilder html, RunReport report) => Section(html, "Summary", null, () =>
    {
        html.Append("<div class=\"cards\">");
        if (report.Accuracy is { } accuracy)
        {
            var drop = (accuracy.Pruned.Top1 - accuracy.Dense.Top1) * 100;
            var details = new List<string> { $"{Text.Signed(drop, 2)} points", $"top-5 {Text.Percent(accuracy.Dense.Top5)} → {Text.Percent(accuracy.Pruned.Top5)}" };
            if (accuracy.PrunedBeforeFineTuneTop1 is { } cut) details.Add($"before fine-tuning {Text.Percent(cut)}");
            Card(html, "test top-1", Text.Percent(accuracy.Dense.Top1), Text.Percent(accuracy.Pruned.Top1), [.. details]);
        }
        else
        {
            html.Append("<div class=\"card\"><h3>test top-1</h3><p class=\"note\">not measured: the run had no test data</p></div>");
        }

        if (report.Latency.FirstOrDefault(l => l.Dense is not null) is { } first)
        {
            Card(html, $"latency p50, {first.Engine} batch {first.Batch}", Text.Ms(first.Dense!.P50Ms) + " ms", Text.Ms(first.Pruned.P50Ms) + " ms",
                $"{Text.Number(first.Dense.P50Ms / first.Pruned.P50Ms, "0.00")}× faster · {Text.Number(first.Pruned.ThroughputPerSecond, "0")} images/s");
        }

        var (dense, pruned) = (report.Cost.Dense, report.Cost.Pruned);
        Card(html, "parameters", Text.Count(dense.Parameters), Text.Count(pruned.Parameters), $"{Text.Percent((double)pruned.Parameters / dense.Parameters, 1)} of dense");
        Card(html, "MACs per sample", Text.Count(dense.Macs), Text.Count(pruned.Macs), $"{Text.Percent((double)pruned.Macs / dense.Macs, 1)} of dense");
        if (dense.PredictedLatencyMs is { } dp && pruned.PredictedLatencyMs is { } pp)
        {
            Card(html, "predicted latency", Text.Ms(dp) + " ms", Text.Ms(pp) + " ms", $"{Text.Percent(pp / dp, 1)} of dense, by the profile");
        }

        html.Append("</div>\n<h3>Budgets</h3>");
        if (report.Budgets.Count == 0)
        {
            html.Append("<p class=\"note\">no budgets</p>");
        }
        else
        {
            html.Append("<table><thead><tr><th>budget</th><th>limit</th><th>predicted</th><th>measured</th><th>outcome</th></tr></thead><tbody>");
            foreach (var b in report.Budgets)
            {
                var outcome = b.Met ? $"met, {Text.InUnit(b.Margin, b.Unit)} to spare" : $"missed by {Text.InUnit(-b.Margin, b.Unit)}";
                html.Append($"<tr class=\"{(b.Met ? "pass" : "fail")}\"><td>{Text.Escape(b.Spec)}</td><td>{Text.Escape(Text.InUnit(b.Limit, b.Unit))}</td>");
                html.Append($"<td>{Text.Escape(Text.InUnit(b.Predicted, b.Unit))}</td><td>{Text.Escape(Text.InUnit(b.Measured, b.Unit))}</td><td>{Text.Escape(outcome)}</td></tr>");
            }

            html.Append("</tbody></table>");
        }
    });

    private static void Card(StringBuilder html, string title, string dense, string pruned, params string[] details) =>
        html.Append($"<div class=\"card\"><h3>{Text.Escape(title)}</h3><p class=\"figures\"><span class=\"dense-text\">{Text.Escape(dense)}</span> → ")
            .Append($"<span class=\"pruned-text\">{Text.Escape(pruned)}</span></p><p class=\"detail\">{string.Join("<br>", details.Select(Text.Escape))}</p></div>");

    private static void Gates(StringBuilder html, RunReport report) => Section(html, "Gates", report.Gates.Count == 0 ? "this run had no gates" : null, () =>
    {
        html.Append("<table><thead><tr><th>gate</th><th>measured</th><th>limit</th><th>tolerance</th><th>result</th><th>message</th></tr></thead><tbody>");
        foreach (var g in report.Gates)
        {
            html.Append($"<tr class=\"{(g.Passed ? "pass" : "fail")}\"><td>{Text.Escape(g.Name)}</td><td>{Text.Escape(Text.InUnit(g.Measured, g.Unit))}</td>");
            html.Append($"<td>{Text.Escape(Text.InUnit(g.Limit, g.Unit))}</td><td>{Text.Escape(Text.InUnit(g.Tolerance, g.Unit))}</td>");
            html.Append($"<td class=\"result\">{(g.Passed ? "pass" : "FAIL")}</td><td>{Text.Escape(g.Message)}</td></tr>");
        }

        html.Append("</tbody></table>");
    });

    private static void Widths(StringBuilder html, RunReport report) => Section(html, "Channel widths per group", report.Widths.Count == 0 ? "no channel groups recorded" : null, () =>
    {
        var rows = report.Widths.Select(w => new BarRow(w.Group, w.Dense, w.Pruned,
            w.Prunable ? $"{w.Pruned} of {w.Dense} kept ({Text.Percent((double)w.Pruned / w.Dense, 0)})" : $"{w.Pruned} of {w.Dense}, not prunable", Muted: !w.Prunable)).ToList();
        Chart(html, "widths", "Channels of every channel group (coupled layers share one group), dense vs pruned.",
            PairedBarChart.Render("channel widths per group, dense vs pruned", rows, new BarSeries("dense", "bar-dense", "pruned", "bar-pruned"), "output channels",
                Text.Tick));
    });

    private static void Trail(StringBuilder html, RunReport report)
    {
        var svg = TrailChart.Render(report);
        Section(html, "Trail: accuracy against cost", svg is null ? "no trail point has a test accuracy (the run had no test data), so there is nothing to plot" : null,
            () => Chart(html, "trail", "Every evaluated trail point in the order recorded, the dense model, the chosen point and the budget's limit.", svg!));
    }

    private static void Latency(StringBuilder html, RunReport report) => Section(html, "Latency on the deployed engines", report.Latency.Count == 0 ? "not measured on any engine" : null, () =>
    {
        html.Append("<table><thead><tr><th>engine</th><th>batch</th><th>model</th><th>p50</th><th>p90</th><th>p99</th><th>mean</th><th>throughput</th><th>predicted</th><th>prediction error</th><th>iterations</th></tr></thead><tbody>");
        foreach (var engine in report.Latency)
        {
            foreach (var (name, m) in Sides(engine))
            {
                var error = m.PredictedMs is { } p ? Text.Signed((p - m.P50Ms) / m.P50Ms * 100, 1) + " %" : "—";
                html.Append($"<tr><td>{Text.Escape(engine.Engine)}</td><td>{engine.Batch}</td><td>{name}</td><td>{Text.Ms(m.P50Ms)} ms</td><td>{Text.Ms(m.P90Ms)} ms</td>");
                html.Append($"<td>{Text.Ms(m.P99Ms)} ms</td><td>{Text.Ms(m.MeanMs)} ms</td><td>{Text.Number(m.ThroughputPerSecond, "0")} images/s</td>");
                html.Append($"<td>{Text.Ms(m.PredictedMs)}</td><td>{error}</td><td>{(m.SamplesMs.Count > 0 ? m.SamplesMs.Count.ToString(CultureInfo.InvariantCulture) : "—")}</td></tr>");
            }
        }

        html.Append("</tbody></table><p class=\"note\">Percentiles are nearest-rank over the timed iterations; throughput is images per second over the timed " +
                    "iterations (batch · 1000 / mean); prediction error is predicted vs measured p50.</p>");

        foreach (var engine in report.Latency)
        {
            if (Sides(engine).Any(s => s.Measurement.SamplesMs.Count == 0))
            {
                // TensorRT's trtexec prints statistics, not each run.
                html.Append($"<p class=\"note\">{Text.Escape(engine.Engine)} batch {engine.Batch}: the engine's timer reported statistics only, no histogram.</p>");
                continue;
            }

            Chart(html, $"histogram-{engine.Engine}-b{engine.Batch}", $"Latency distribution on {engine.Engine}, batch {engine.Batch}: dense and pruned overlaid.", HistogramChart.Render(engine));
        }

        // Only engines a profile predicted for: the others have nothing to compare, and their bars would squeeze these.
        var predicted = report.Latency.Where(e => Sides(e).Any(s => s.Measurement.PredictedMs is not null)).ToList();
        var wholeRows = predicted.SelectMany(e => Sides(e).Select(s => new BarRow($"{e.Engine} batch {e.Batch} · {s.Name}", s.Measurement.PredictedMs, s.Measurement.P50Ms,
            s.Measurement.PredictedMs is { } p ? $"p50 {Text.Ms(s.Measurement.P50Ms)} ms, predicted {Text.Signed((p - s.Measurement.P50Ms) / s.Measurement.P50Ms * 100)} %" : "no prediction"))).ToList();
        if (wholeRows.Count > 0)
        {
            Chart(html, "latency-model", "Whole model: the profile's prediction against the measured p50.",
                PairedBarChart.Render("whole-model latency, predicted vs measured", wholeRows, PredictedMeasured, "latency (ms)", Text.Tick));
        }
        else
        {
            html.Append("<p class=\"note\">no latency profile was used, so there are no predictions to compare with the measurements</p>");
        }

        foreach (var engine in report.Latency) Layers(html, engine);
    });

    /// <summary>The pruned model per layer on one engine: how close the predictions came, and the paired bars.</summary>
    private static void Layers(StringBuilder html, EngineLatency engine)
    {
        var where = $"{engine.Engine} batch {engine.Batch}";
        if (engine.Layers.Count == 0)
        {
            html.Append($"<p class=\"note\">{Text.Escape(where)}: no per-node profile from this engine, so no per-layer comparison.</p>");
            return;
        }

        html.Append($"<h3>Per layer, pruned model, {Text.Escape(where)}</h3>");
        if (engine.LayerErrors is { } e)
        {
            var error = e.Mape is { } mape && e.Wape is { } wape
                ? $"<p><strong>MAPE {Text.Percent(mape, 1)}</strong> over the {e.Compared} rows with a prediction and a measurement; weighted by time {Text.Percent(wape, 1)} " +
                  $"(Σ predicted {Text.Ms(e.PredictedMs)} ms, Σ measured {Text.Ms(e.MeasuredMs)} ms).</p>"
                : "<p>No row has both a prediction and a measurement.</p>";
            html.Append(error).Append($"<p class=\"note\">Measured: {Text.Escape(e.Statistic)}, summed over each layer's kernels. Predictions: {Text.Escape(e.Predictions)}, " +
                                      "for a layer's own kernels, calibrated as the whole-model prediction is. Layout conversions are one row (ONNX Runtime names them after " +
                                      "no node); kernels of no layer (Flatten) have no prediction of their own: the profile counts them in its calibration's offset.</p>");
        }

        var layers = engine.Layers;
        var caption = $"Pruned model per layer on {where}: the profile's prediction against the engine's per-node profile.";
        if (layers.Count > MaxLayers)
        {
            var slowest = layers.OrderByDescending(l => l.MeasuredMs ?? l.PredictedMs ?? 0).Take(MaxLayers).ToHashSet();
            caption += $" The {MaxLayers} slowest of {layers.Count} layers, in model order.";
            layers = layers.Where(slowest.Contains).ToList();
        }

        var rows = layers.Select(l => new BarRow(l.Layer, l.PredictedMs, l.MeasuredMs, LayerNote(l),
            Detail: l.Kernels is { Count: > 0 } kernels ? "engine kernels: " + string.Join(", ", kernels) : null)).ToList();
        Chart(html, $"latency-layers-{engine.Engine}-b{engine.Batch}", caption,
            PairedBarChart.Render($"per-layer latency on {engine.Engine}, predicted vs measured", rows, PredictedMeasured, "latency per layer (ms)", Text.Tick));
    }

    private static readonly BarSeries PredictedMeasured = new("predicted", "bar-predicted", "measured", "bar-measured");

    private static string LayerNote(LayerLatency layer) => (layer.PredictedMs, layer.MeasuredMs) switch
    {
        ({ } p, { } m) when m > 0 => $"{Text.Ms(m)} ms, predicted {Text.Signed((p - m) / m * 100)} %",
        ({ } p, { }) => $"under 1 µs, predicted {Text.Ms(p)} ms",
        (null, { } m) => $"{Text.Ms(m)} ms, no prediction",
        ({ } p, null) => $"predicted {Text.Ms(p)} ms, not measured",
        _ => "",
    };

    private static IEnumerable<(string Name, LatencyMeasurement Measurement)> Sides(EngineLatency engine)
    {
        if (engine.Dense is { } dense) yield return ("dense", dense);
        yield return ("pruned", engine.Pruned);
    }

    private static void Parity(StringBuilder html, RunReport report) => Section(html, "Output parity", report.Parity.Count == 0 ? "no parity check was run" : null, () =>
    {
        html.Append("<table><thead><tr><th>deployed</th><th>compared with</th><th>inputs</th><th>max |Δ|</th><th>top-1 agreement</th><th>tolerance</th><th>result</th></tr></thead><tbody>");
        foreach (var p in report.Parity)
        {
            var ok = p.Tolerance is not { } t || p.MaxAbsDiff <= t;
            html.Append($"<tr class=\"{(p.Tolerance is null ? "" : ok ? "pass" : "fail")}\"><td>{Text.Escape(p.Deployed)}</td><td>{Text.Escape(p.Reference)}</td><td>{Text.Escape(p.Input ?? "—")}</td>");
            html.Append($"<td class=\"num\">{p.MaxAbsDiff.ToString("0.###e+0", CultureInfo.InvariantCulture)}</td><td class=\"num\">{(p.Top1Agreement is { } agreement ? Text.Percent(agreement, 1) : "—")}</td>");
            html.Append($"<td class=\"num\">{(p.Tolerance is { } tol ? tol.ToString("0.###e+0", CultureInfo.InvariantCulture) : "—")}</td><td class=\"result\">{(p.Tolerance is null ? "recorded" : ok ? "pass" : "FAIL")}</td></tr>");
        }

        html.Append("</tbody></table><p class=\"note\">The parity gate judges the largest |Δ| of these checks.</p>");
    });

    private static void Environment(StringBuilder html, RunReport report)
    {
        var e = report.Environment;
        var rows = new List<(string, string)>
        {
            ("device fingerprint", e.Fingerprint),
            ("measured through", e.Agent is { } agent ? $"the device agent at {agent}" : "this machine"),
            ("CPU", e.Cpu),
            ("cores / engine threads", $"{e.Cores} / {e.Threads}"),
            ("operating system", e.Os),
            ("GPU", e.Gpu ?? "none"),
        };
        rows.AddRange(e.Engines.Select(engine => (engine.Name, engine.Version)));
        rows.Add(("TensorRT", e.TensorRt.Describe() + (e.TensorRt.LookedFor.Count > 0 ? $" (looked for {string.Join(", ", e.TensorRt.LookedFor)})" : "")));
        if (e.Profile is { } profile)
        {
            rows.Add(("latency profile", profile.Path));
            rows.Add(("profile measured on", profile.Fingerprint));
            rows.Add(("profile fingerprint", profile.FingerprintMatches ? "matches this machine" : "differs from this machine: " + string.Join("; ", profile.Differences)));
        }
        else
        {
            rows.Add(("latency profile", "none (no latency predictions)"));
        }

        rows.Add(("toolchain revision", report.Run.ToolRevision));

        Section(html, "Environment", null, () =>
        {
            html.Append("<table class=\"keyvalue\"><tbody>");
            foreach (var (key, value) in rows)
            {
                var warn = key == "profile fingerprint" && e.Profile is { FingerprintMatches: false } ? " class=\"warn\"" : "";
                html.Append($"<tr{warn}><th>{Text.Escape(key)}</th><td>{Text.Escape(value)}</td></tr>");
            }

            html.Append("</tbody></table>");
        });
    }

    private static void Artifacts(StringBuilder html, RunReport report) => Section(html, "Artifacts", null, () =>
    {
        html.Append($"<p class=\"note\">relative to {Text.Escape(report.Run.OutputFolder)}</p>");
        html.Append("<table><thead><tr><th>file</th><th>size</th><th>what</th></tr></thead><tbody>");
        foreach (var a in report.Artifacts)
        {
            html.Append($"<tr><td><code>{Text.Escape(a.Path)}</code></td><td>{Text.Bytes(a.Bytes)}</td><td>{Text.Escape(a.Description)}</td></tr>");
        }

        html.Append("</tbody></table>");
    });

    /// <summary>A section with its heading: <paramref name="body"/>, or when there is nothing to show, <paramref name="emptyNote"/> saying why.</summary>
    private static void Section(StringBuilder html, string title, string? emptyNote, Action body)
    {
        html.Append($"<section><h2>{Text.Escape(title)}</h2>");
        if (emptyNote is null) body();
        else html.Append($"<p class=\"note\">{Text.Escape(emptyNote)}</p>");
        html.Append("</section>\n");
    }

    private static void Chart(StringBuilder html, string name, string caption, string svg) =>
        html.Append($"<figure class=\"chart\" data-chart=\"{Text.Escape(name)}\"><figcaption>{Text.Escape(caption)}</figcaption>{svg}</figure>\n");

    private static string Utc(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    private static string Duration(TimeSpan span) => span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes} min"
        : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes} min {span.Seconds} s" : $"{span.TotalSeconds:0} s";
}
