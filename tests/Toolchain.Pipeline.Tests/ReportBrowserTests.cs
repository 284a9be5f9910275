using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Toolchain.Pipeline.Report;
using Toolchain.TestSupport;
using Xunit.Abstractions;

namespace Toolchain.Pipeline.Tests;

/// <summary>
/// report.html rendered by a real browser: Debian's Chromium, headless. Errors are caught on two independent channels.
/// (1) Chromium's own log (--enable-logging=stderr) prints every message the page's console receives as a
/// "CONSOLE" line: the report has no script, so any such line is a fault: a resource the Content-Security-Policy
/// blocked (an outside URL), an SVG attribute the browser rejected (a NaN or negative size), a script error.
/// (2) A probe script the test puts at the top of a copy of the page (before the page's policy, which blocks every
/// script after it) records script errors, failed loads, policy violations, unhandled rejections and
/// console.error/warn calls; on load it measures every [data-chart] (data marks with a drawn, non-empty box; the SVG's
/// size on screen) and writes all of it as JSON into a &lt;pre id="report-probe"&gt;. --dump-dom prints the DOM after
/// the load event; the test reads the probe's JSON from it. A probe that never reports fails the test, so a page
/// that does not load cannot pass. The Probe_ tests prove both channels see the faults they claim to see.
/// </summary>
public sealed partial class ReportBrowserTests(ITestOutputHelper output)
{
    private const string Probe = """
        <script>
        (function () {
          var errors = [];
          function add(kind, text) { errors.push(kind + ': ' + text); }
          window.addEventListener('error', function (e) {
            if (e.target && e.target !== window) add('resource', e.target.tagName + ' ' + (e.target.src || e.target.href || ''));
            else add('script', e.message + ' at ' + e.filename + ':' + e.lineno);
          }, true);
          window.addEventListener('unhandledrejection', function (e) { add('promise', String(e.reason)); });
          document.addEventListener('securitypolicyviolation', function (e) { add('csp', e.violatedDirective + ' ' + e.blockedURI); });
          ['error', 'warn'].forEach(function (level) {
            var original = console[level];
            console[level] = function () { add('console.' + level, Array.prototype.join.call(arguments, ' ')); original.apply(console, arguments); };
          });
          window.addEventListener('load', function () {
            var charts = Array.prototype.map.call(document.querySelectorAll('[data-chart]'), function (chart) {
              var marks = 0;
              chart.querySelectorAll('svg rect, svg circle, svg path').forEach(function (mark) {
                var box = mark.getBBox();
                if (mark.querySelector('title') && (box.width > 0 || box.height > 0)) marks++;
              });
              var svg = chart.querySelector('svg');
              var size = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
              return { name: chart.getAttribute('data-chart'), marks: marks, width: size.width, height: size.height };
            });
            var out = document.createElement('pre');
            out.id = 'report-probe';
            var page = document.documentElement;
            out.textContent = JSON.stringify({ errors: errors, charts: charts, pageWidth: page.scrollWidth, pageHeight: page.scrollHeight });
            document.body.appendChild(out);
          });
        })();
        </script>
        """;

    [Fact]
    public void Report_InHeadlessChromium_LoadsWithoutErrorsAndEveryChartDrawsMarks()
    {
        var html = ReportHtml.Render(ReportFixtures.Realistic());
        using var dir = new TempDirectory();

        var (probe, console) = Load(dir, html);

        Assert.True(console.Count == 0, "the page's console has messages:\n" + string.Join("\n", console));
        Assert.True(probe.Errors.Count == 0, "the probe saw errors:\n" + string.Join("\n", probe.Errors));
        Assert.Equal(ReportHtmlTests.ChartNames(html), probe.Charts.Select(c => c.Name));
        foreach (var chart in probe.Charts)
        {
            Assert.True(chart.Marks > 0, $"chart {chart.Name} draws no data marks");
            // The page is laid out for 1200 px: a chart squeezed much below its 1100 px design would have unreadable labels.
            Assert.True(chart.Width >= 1000 && chart.Height >= 100, $"chart {chart.Name} is {chart.Width}×{chart.Height} px on a 1200 px window");
        }

        Assert.True(probe.PageWidth <= 1200, $"the page is {probe.PageWidth} px wide on a 1200 px window: something overflows sideways");

        // A screenshot of the whole page for a person to look at; kept after the test, its path in the test output.
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "toolchain-report-screenshot")).FullName;
        File.WriteAllText(Path.Combine(folder, "report.html"), html);
        var png = Path.Combine(folder, "report.png");
        File.Delete(png);
        Chromium(dir, $"--screenshot={png}", "--hide-scrollbars", $"--window-size=1200,{(int)Math.Ceiling(probe.PageHeight)}", new Uri(Path.Combine(folder, "report.html")).AbsoluteUri);
        Assert.True(new FileInfo(png).Length > 50_000, $"the screenshot {png} is (nearly) empty");
        output.WriteLine($"screenshot: {png}");
    }

    [Fact]
    public void Probe_PageWithAnOutsideImageAScriptAndABrokenBar_IsCaughtOnBothChannels()
    {
        // The channels must see what they are there to see, or the test above proves nothing.
        var html = ReportHtml.Render(ReportFixtures.Realistic());
        html = html[..html.IndexOf("</svg>", StringComparison.Ordinal)] + "<rect x=\"1\" y=\"1\" width=\"-5\" height=\"NaN\"/>" + html[html.IndexOf("</svg>", StringComparison.Ordinal)..];
        html = html.Replace("</body>", "<img src=\"https://example.invalid/x.png\" alt=\"\"><script>undefinedFunction();</script></body>", StringComparison.Ordinal);
        using var dir = new TempDirectory();

        var (probe, console) = Load(dir, html);

        Assert.Contains(probe.Errors, e => e.StartsWith("csp: img-src https://example.invalid/x.png", StringComparison.Ordinal));
        Assert.Contains(console, m => m.StartsWith("Loading the image 'https://example.invalid/x.png' violates the following Content Security Policy", StringComparison.Ordinal));
        Assert.Contains(console, m => m.StartsWith("Executing inline script violates the following Content Security Policy", StringComparison.Ordinal));
        Assert.Contains(console, m => m.StartsWith("Error: <rect> attribute width: A negative value is not valid", StringComparison.Ordinal));
        Assert.Contains(console, m => m.StartsWith("Error: <rect> attribute height: Expected length, \"NaN\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Probe_ScriptErrorWithoutAPolicy_IsCaughtOnBothChannels()
    {
        // Without the policy the injected script runs and throws: the error itself is reported, not only its blocking.
        var html = ReportHtml.Render(ReportFixtures.Realistic());
        html = CspMeta().Replace(html, "", 1).Replace("</body>", "<script>undefinedFunction();</script></body>", StringComparison.Ordinal);
        using var dir = new TempDirectory();

        var (probe, console) = Load(dir, html);

        Assert.Contains(probe.Errors, e => e.StartsWith("script: Uncaught ReferenceError: undefinedFunction is not defined", StringComparison.Ordinal));
        Assert.Contains(console, m => m.StartsWith("Uncaught ReferenceError: undefinedFunction is not defined", StringComparison.Ordinal));
    }

    /// <summary>Loads <paramref name="html"/> with the probe in headless Chromium and returns what the probe recorded.</summary>
    private (ProbeResult Probe, List<string> Console) Load(TempDirectory dir, string html)
    {
        var charset = html.IndexOf("<meta charset=\"utf-8\">", StringComparison.Ordinal);
        Assert.True(charset >= 0, "the page declares no charset");
        var probed = html.Insert(charset + "<meta charset=\"utf-8\">".Length, "\n" + Probe);
        var page = dir.File("page.html");
        File.WriteAllText(page, probed);

        var (dom, log) = Chromium(dir, "--dump-dom", "--enable-logging=stderr", "--v=0", "--window-size=1200,3000", new Uri(page).AbsoluteUri);
        var match = ProbeOutput().Match(dom);
        Assert.True(match.Success, $"the probe did not report: the page did not load, or the probe did not run. Chromium's log:\n{log}");
        var result = JsonSerializer.Deserialize<ProbeResult>(WebUtility.HtmlDecode(match.Groups[1].Value), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        var console = ConsoleLine().Matches(log).Select(m => m.Groups[1].Value).ToList();
        output.WriteLine(string.Join("\n", result.Errors.Prepend($"probe: {result.Charts.Count} charts, errors:").Concat(console.Prepend("console:"))));
        return (result, console);
    }

    /// <summary>Runs Debian's Chromium headless; fails naming `make deps-test` when it is not installed.</summary>
    private static (string Stdout, string Stderr) Chromium(TempDirectory dir, params string[] arguments)
    {
        var executable = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);
        Assert.True(executable is not null, "Debian's chromium is not installed (the report test renders report.html in it): run `make deps-test`, which installs the apt package chromium");

        var start = new ProcessStartInfo(executable!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // No sandbox: tests run as root in CI containers, where Chromium's sandbox refuses to start. A throw-away profile
        // keeps runs from sharing state; no GPU: headless software rendering is what a CI machine has.
        foreach (var argument in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", $"--user-data-dir={dir.File("chromium-profile")}" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A guard against a hung browser, not a speed assertion: a static page loads in seconds even on a busy machine.
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"chromium did not exit within 3 minutes ({string.Join(' ', arguments)})");
        }

        Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}:\n{stderr.Result}");
        return (stdout.Result, stderr.Result);
    }

    private sealed record ProbeResult(List<string> Errors, List<ProbeChart> Charts, double PageWidth, double PageHeight);

    private sealed record ProbeChart(string Name, int Marks, double Width, double Height);

    [GeneratedRegex("<pre id=\"report-probe\">(.*?)</pre>", RegexOptions.Singleline)]
    private static partial Regex ProbeOutput();

    // Chromium's log line for a console message: [pid:tid:time:INFO:CONSOLE:line] "message", source: url (line)
    [GeneratedRegex(@":CONSOLE[^\]]*\] ""(.*)"", source: ", RegexOptions.Multiline)]
    private static partial Regex ConsoleLine();

    [GeneratedRegex("<meta http-equiv=\"Content-Security-Policy\"[^>]*>")]
    private static partial Regex CspMeta();
}
