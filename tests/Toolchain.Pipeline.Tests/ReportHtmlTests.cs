using System.Text.RegularExpressions;
using System.Xml.Linq;
using Toolchain.Pipeline.Report;
using Toolchain.TestSupport;

namespace Toolchain.Pipeline.Tests;

/// <summary>report.html as text: self-contained, escaped, every chart present and well formed. The browser test renders it.</summary>
public sealed partial class ReportHtmlTests
{
    [Fact]
    public void Render_RealisticReport_ReferencesNothingOutsideTheFile()
    {
        var html = ReportHtml.Render(ReportFixtures.Realistic());

        Assert.DoesNotContain("://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" href=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("default-src 'none'", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_RealisticReport_HasEveryChartAndNotesTheEngineWithoutNodeProfile()
    {
        var html = ReportHtml.Render(ReportFixtures.Realistic());

        Assert.Equal(
            ["widths", "trail", "histogram-ort-cpu-b1", "histogram-libtorch-cpu-b1", "latency-model", "latency-layers-ort-cpu-b1"],
            ChartNames(html));
        Assert.Contains("libtorch-cpu batch 1: no per-node profile from this engine", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_AnEngineWithStatisticsOnly_IsInTheTable_WithoutAHistogram()
    {
        // trtexec prints percentiles, not each run: a TensorRT row has no samples.
        var report = ReportFixtures.Realistic();
        var tensorRt = new EngineLatency("tensorrt", 1, new LatencyMeasurement(0.052, 0.061, 0.07, 0.054, 18_518, [], null),
            new LatencyMeasurement(0.031, 0.035, 0.04, 0.032, 31_250, [], null), []);
        var html = ReportHtml.Render(report with { Latency = [.. report.Latency, tensorRt] });

        Assert.DoesNotContain("histogram-tensorrt-b1", ChartNames(html));
        Assert.Contains("tensorrt batch 1: the engine's timer reported statistics only, no histogram.", html, StringComparison.Ordinal);
        Assert.Matches(@"<td>tensorrt</td><td>1</td><td>pruned</td><td>0\.031\d* ms</td>.*?<td>—</td></tr>", html);
    }

    [Fact]
    public void Render_EveryChart_IsWellFormedSvgWithAxisTitlesAndDataMarks()
    {
        var html = ReportHtml.Render(ReportFixtures.Realistic());

        foreach (var svg in SvgElement().Matches(html).Select(m => m.Value))
        {
            var root = XElement.Parse(svg); // throws on an unescaped '<' or '&' from a name
            var label = (string?)root.Attribute("aria-label");
            Assert.False(string.IsNullOrEmpty(label));
            Assert.Contains(root.Descendants("text"), t => (string?)t.Attribute("class") == "axis-title");
            // Data marks carry a tooltip (<title>) with their exact value; axes, grid and legend do not.
            Assert.True(root.Descendants().Count(e => e.Element("title") is not null && e.Name.LocalName is "rect" or "circle" or "path") > 0, $"{label} has no data marks");
        }
    }

    [Fact]
    public void Render_NamesWithMarkup_AreEscapedEverywhere()
    {
        var full = ReportFixtures.Realistic();
        const string hostile = "<img src=x onerror=alert(1)> & \"q\"";
        var report = full with
        {
            Model = new ModelInfo(hostile, hostile),
            Method = hostile,
            Widths = [full.Widths[0] with { Group = hostile }, .. full.Widths.Skip(1)],
            Gates = [full.Gates[0] with { Message = hostile }],
        };

        var html = ReportHtml.Render(report);

        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot;", html, StringComparison.Ordinal);
        foreach (var svg in SvgElement().Matches(html).Select(m => m.Value)) XElement.Parse(svg);
    }

    [Fact]
    public void Render_Gates_VerdictAndRowsFollowTheResults()
    {
        var full = ReportFixtures.Realistic();

        var failed = ReportHtml.Render(full);
        Assert.Contains("<div class=\"verdict fail\">FAILED: 1 of 3 gates</div>", failed, StringComparison.Ordinal);
        Assert.Contains("<tr class=\"fail\"><td>latency-measured</td>", failed, StringComparison.Ordinal);
        Assert.Contains("<tr class=\"pass\"><td>accuracy-drop</td>", failed, StringComparison.Ordinal);

        var passed = ReportHtml.Render(full with { Gates = [.. full.Gates.Select(g => g with { Passed = true })] });
        Assert.Contains("<div class=\"verdict pass\">PASSED: all 3 gates</div>", passed, StringComparison.Ordinal);
        Assert.DoesNotContain("<tr class=\"fail\">", passed[passed.IndexOf("<h2>Gates", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    [Fact]
    public void Render_TrailWithoutPredictions_PlotsAgainstMacsWithTheMacBudget()
    {
        var full = ReportFixtures.Realistic();
        var report = full with
        {
            Budgets = [new BudgetResult("macs=50%", "MACs", 20_400_000, null, 19_300_000, true, 1_100_000)],
            Trail = full.Trail with { Points = [.. full.Trail.Points.Select(p => p with { PredictedLatencyMs = null })] },
        };

        var trail = Chart(ReportHtml.Render(report), "trail");

        Assert.Contains("MACs per sample (millions)", trail, StringComparison.Ordinal);
        Assert.Contains("budget macs=50%: 20.4 M MACs", trail, StringComparison.Ordinal);
        Assert.Contains("class=\"budget-line\"", trail, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_TrailWithoutAccuracy_SaysSoInsteadOfAnEmptyChart()
    {
        var full = ReportFixtures.Realistic();
        var report = full with { Accuracy = null, Trail = full.Trail with { Points = [.. full.Trail.Points.Select(p => p with { Top1 = null })] } };

        var html = ReportHtml.Render(report);

        Assert.DoesNotContain("data-chart=\"trail\"", html, StringComparison.Ordinal);
        Assert.Contains("no trail point has a test accuracy", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Histogram_CountsEverySampleOnceInBinsOrAsBeyondTheAxis()
    {
        var report = ReportFixtures.Realistic();
        var histogram = Chart(ReportHtml.Render(report), "histogram-ort-cpu-b1");
        var binned = BinTooltip().Matches(histogram).GroupBy(m => m.Groups["side"].Value).ToDictionary(g => g.Key, g => g.Sum(m => int.Parse(m.Groups["n"].Value)));
        var beyond = BeyondNote().Matches(histogram).ToDictionary(m => m.Groups["side"].Value, m => int.Parse(m.Groups["n"].Value));

        Assert.Equal(report.Latency[0].Dense!.SamplesMs.Count, binned["dense"] + beyond.GetValueOrDefault("dense"));
        Assert.Equal(report.Latency[0].Pruned.SamplesMs.Count, binned["pruned"] + beyond.GetValueOrDefault("pruned"));
    }

    [Fact]
    public void Render_PerLayer_ShowsTheErrorSummaryAndABarPerValueOfEveryRow()
    {
        var report = ReportFixtures.Realistic();
        var engine = report.Latency[0];
        var html = ReportHtml.Render(report);
        var chart = Chart(html, "latency-layers-ort-cpu-b1");

        Assert.Contains($"MAPE {Text.Percent(engine.LayerErrors!.Mape!.Value, 1)}</strong> over the {engine.LayerErrors.Compared} rows", html, StringComparison.Ordinal);
        Assert.Contains("median kernel time over 300 profiled runs", html, StringComparison.Ordinal);
        // One predicted and one measured bar per known value, each with its tooltip; the label's tooltip names the engine's kernels.
        Assert.Equal(engine.Layers.Count(l => l.PredictedMs is not null), PredictedBar().Matches(chart).Count);
        Assert.Equal(engine.Layers.Count(l => l.MeasuredMs is not null), MeasuredBar().Matches(chart).Count);
        Assert.Contains("engine kernels: ReorderOutput, ReorderOutput_token_3", chart, StringComparison.Ordinal);
        Assert.Contains("predicted 0.0032 ms, not measured", chart, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Parity_ListsEachCheckWithItsInputsAndTopOneAgreement()
    {
        var html = ReportHtml.Render(ReportFixtures.Realistic());
        var parity = html[html.IndexOf("<h2>Output parity", StringComparison.Ordinal)..];
        parity = parity[..parity.IndexOf("</section>", StringComparison.Ordinal)];

        Assert.Contains("<td>a seeded random batch, at export</td><td class=\"num\">2.4e-6</td><td class=\"num\">—</td>", parity, StringComparison.Ordinal);
        Assert.Contains("<td>256 test images of fashion-mnist</td><td class=\"num\">7.6e-6</td><td class=\"num\">100.0\u00a0%</td>", parity, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.3, 0, "0")]
    [InlineData(3.4, 0, "+3")]
    [InlineData(-12.6, 0, "−13")]
    [InlineData(-0.004, 2, "0.00")]
    [InlineData(-1.25, 1, "−1.2")]
    public void Signed_RoundsBeforeChoosingTheSign(double value, int decimals, string expected) => Assert.Equal(expected, Text.Signed(value, decimals));

    [Fact]
    public void Write_WritesTheRenderedPageAndNoTemporary()
    {
        using var dir = new TempDirectory();
        var report = ReportFixtures.Realistic();

        ReportHtml.Write(report, dir.File("report.html"));

        Assert.Equal(ReportHtml.Render(report), File.ReadAllText(dir.File("report.html")));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    internal static List<string> ChartNames(string html) => [.. DataChart().Matches(html).Select(m => m.Groups[1].Value)];

    private static string Chart(string html, string name)
    {
        var start = html.IndexOf($"data-chart=\"{name}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no chart {name}");
        return html[start..html.IndexOf("</figure>", start, StringComparison.Ordinal)];
    }

    [GeneratedRegex("data-chart=\"([^\"]+)\"")]
    private static partial Regex DataChart();

    [GeneratedRegex("<svg .*?</svg>", RegexOptions.Singleline)]
    private static partial Regex SvgElement();

    [GeneratedRegex("class=\"bar-predicted\"[^>]*><title>[^<]*: predicted ")]
    private static partial Regex PredictedBar();

    [GeneratedRegex("class=\"bar-measured\"[^>]*><title>[^<]*: measured ")]
    private static partial Regex MeasuredBar();

    [GeneratedRegex(@"<title>(?<side>dense|pruned): (?<n>\d+) iterations in")]
    private static partial Regex BinTooltip();

    [GeneratedRegex(@"(?<n>\d+) (?<side>dense|pruned) iterations lie beyond the axis")]
    private static partial Regex BeyondNote();
}
