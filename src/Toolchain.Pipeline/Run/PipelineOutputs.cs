using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Toolchain.Torch.Serialization;

namespace Toolchain.Pipeline;

/// <summary>
/// The files a build pipeline reads after <c>toolchain run</c>: <c>junit.xml</c> (one test case per gate, so the CI's test
/// tab shows which gate failed and by how much) and <c>summary.md</c> (also appended to <c>$GITHUB_STEP_SUMMARY</c> when
/// that is set). Every file is written atomically.
/// </summary>
public static class PipelineOutputs
{
    public const string JUnitFile = "junit.xml";
    public const string SummaryFile = "summary.md";
    public const string ResultsFile = "results.json";
    public const string ReportFile = "report.html";

    /// <summary>Writes junit.xml, summary.md, results.json and report.html into the run folder; returns their paths.</summary>
    public static IReadOnlyList<string> Write(PipelineResult result)
    {
        var written = WriteCiFiles(result);
        var results = Path.Combine(result.Folder, ResultsFile);
        var html = Path.Combine(result.Folder, ReportFile);
        string[] models = ["dense.safetensors", "dense.onnx", "pruned.onnx", "pruned.safetensors", "pruned.trail.json"];
        var report = ReportBuilder.From(result, [.. models.Select(m => Path.Combine(result.Folder, m)), .. written, results]);
        Report.ResultsJson.Write(report, results);
        Report.ReportHtml.Write(report, html);
        return [.. written, results, html];
    }

    private static IReadOnlyList<string> WriteCiFiles(PipelineResult result)
    {
        var junit = Path.Combine(result.Folder, JUnitFile);
        AtomicFile.WriteAllText(junit, JUnit(result));
        var summary = Path.Combine(result.Folder, SummaryFile);
        var markdown = Markdown(result);
        AtomicFile.WriteAllText(summary, markdown);
        if (Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY") is { Length: > 0 } step) File.AppendAllText(step, markdown + "\n");
        return [junit, summary];
    }

    /// <summary>JUnit XML: a suite "toolchain run" with a case per gate; a failed gate carries its message as the failure.</summary>
    public static string JUnit(PipelineResult result)
    {
        var failures = result.Gates.Count(g => !g.Passed);
        var suite = new XElement("testsuite",
            new XAttribute("name", "toolchain run"),
            new XAttribute("tests", result.Gates.Count),
            new XAttribute("failures", failures),
            new XAttribute("errors", 0),
            new XAttribute("time", result.Stages.Sum(s => s.Seconds).ToString("F1", CultureInfo.InvariantCulture)),
            result.Gates.Select(g => new XElement("testcase",
                new XAttribute("classname", $"toolchain.gates.{result.Prune.Model}.{result.Prune.Method}"),
                new XAttribute("name", g.Name),
                g.Passed
                    ? new XElement("system-out", g.Message)
                    : new XElement("failure", new XAttribute("message", g.Message), new XAttribute("type", "GateFailed"), g.Message))));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), new XElement("testsuites", suite)).ToString();
    }

    /// <summary>The run in Markdown: verdict, gates, dense vs pruned and latency per batch.</summary>
    public static string Markdown(PipelineResult r)
    {
        var p = r.Prune;
        var md = new StringBuilder();
        md.AppendLine($"## Toolchain: {p.Model} pruned with {p.Method} — {(r.Passed ? "all gates passed" : $"{r.Gates.Count(g => !g.Passed)} gate(s) FAILED")}");
        md.AppendLine();
        md.AppendLine("| gate | result | measured | limit |");
        md.AppendLine("|---|---|---|---|");
        foreach (var g in r.Gates) md.AppendLine($"| {Escape(g.Name)} | {(g.Passed ? "✅ pass" : "❌ FAIL")} {Escape(g.Message)} | {Value(g.Measured)} | {Value(g.Limit)} |");
        md.AppendLine();
        md.AppendLine("| | dense | pruned |");
        md.AppendLine("|---|---|---|");
        md.AppendLine($"| top-1 | {Share(p.DenseTop1)} | {Share(p.PrunedTop1)} |");
        md.AppendLine($"| parameters | {p.DenseParameters:N0} | {p.PrunedParameters:N0} |");
        md.AppendLine($"| MACs | {p.DenseMacs / 1e6:F2} M | {p.PrunedMacs / 1e6:F2} M |");
        md.AppendLine($"| predicted latency | {Ms(p.DensePredictedMs)} | {Ms(p.PrunedPredictedMs)} |");
        foreach (var l in r.Latency)
        {
            md.AppendLine($"| measured p50 / p90 / p99, batch {l.Batch} ({l.Engine}) | {l.Dense.P50Ms:F3} / {l.Dense.P90Ms:F3} / {l.Dense.P99Ms:F3} ms | " +
                          $"{l.Pruned.P50Ms:F3} / {l.Pruned.P90Ms:F3} / {l.Pruned.P99Ms:F3} ms ({l.Speedup:F2}×) |");
            if (ReportBuilder.PerLayer(l.Layers).Errors is { } errors) md.AppendLine($"| per layer, batch {l.Batch}: predicted vs measured | | {Escape(errors.Describe())} |");
        }

        if (r.DataParity is { } parity)
        {
            md.AppendLine($"| parity on {parity.Describe()} | | max \\|Δ\\| {Value(parity.MaxAbsDiff)}, top-1 agreement {Share(parity.Top1Agreement)} |");
        }

        md.AppendLine();
        md.AppendLine(Escape(TensorRt.Describe(r.TensorRt)) + $". Full report: {ReportFile} in {r.Folder}.");
        return md.ToString();
    }

    private static string Value(double? v) => v is { } x ? x.ToString("G4", CultureInfo.InvariantCulture) : "—";

    private static string Share(double? v) => v is { } x ? x.ToString("P2", CultureInfo.InvariantCulture) : "—";

    private static string Ms(double? v) => v is { } x ? x.ToString("F3", CultureInfo.InvariantCulture) + " ms" : "—";

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
