using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Toolchain.Pipeline;

/// <summary>One of trtexec's latency lines ("Latency: min = … ms, max = …, mean = …, median = …, percentile(99%) = … ms"), in ms.</summary>
/// <param name="Percentiles">Every percentile the line gave (trtexec prints 90/95/99 by default in TensorRT 10, only 99 in 8.x), by percent.</param>
public sealed record TrtexecLatency(double MinMs, double MaxMs, double MeanMs, double MedianMs, IReadOnlyDictionary<double, double> Percentiles);

/// <summary>trtexec's performance summary: throughput (queries, i.e. batches, per second), host latency and GPU compute time.</summary>
public sealed record TrtexecSummary(double ThroughputQps, TrtexecLatency Latency, TrtexecLatency? GpuCompute);

/// <summary>
/// Builds a TensorRT engine from an ONNX file with NVIDIA's <c>trtexec</c> and times it, reading the "=== Performance
/// summary ===" it prints. Only where trtexec is on the host (<see cref="TensorRt.Detect"/>); nothing here is faked.
/// </summary>
public static partial class Trtexec
{
    /// <summary>
    /// Runs <c>trtexec --onnx=ONNX --saveEngine=ENGINE --duration=SECONDS</c> (the engine is written beside a
    /// ".partial" name and moved when trtexec succeeds) and returns its summary.
    /// </summary>
    /// <exception cref="InvalidOperationException">trtexec failed: its exit code and the end of its output.</exception>
    /// <param name="shapes">trtexec's --shapes value (e.g. "input:8x1x28x28") for a model whose batch is dynamic; null for a static one.</param>
    public static TrtexecSummary BuildAndTime(string trtexec, string onnx, string engine, double seconds, string? shapes = null, CancellationToken cancellation = default)
    {
        var partial = engine + ".partial";
        var start = new ProcessStartInfo(trtexec) { RedirectStandardOutput = true, RedirectStandardError = true };
        var arguments = new List<string> { $"--onnx={onnx}", $"--saveEngine={partial}", FormattableString.Invariant($"--duration={Math.Max(1, (int)Math.Ceiling(seconds))}"), "--warmUp=500" };
        if (shapes is not null) arguments.Add($"--shapes={shapes}");
        foreach (var a in arguments) start.ArgumentList.Add(a);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {trtexec}");
        using var stop = cancellation.Register(() =>
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // already exited
            }
        });
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        cancellation.ThrowIfCancellationRequested();
        var all = output + error.Result;
        if (process.ExitCode != 0)
        {
            File.Delete(partial);
            throw new InvalidOperationException($"trtexec failed on {onnx} (exit {process.ExitCode}): {Tail(all)}");
        }

        var summary = Parse(all);
        File.Move(partial, engine, overwrite: true);
        return summary;
    }

    /// <summary>Reads the performance summary out of trtexec's output.</summary>
    /// <exception cref="InvalidDataException">No summary (or no throughput or latency line) in it.</exception>
    public static TrtexecSummary Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var at = output.IndexOf("=== Performance summary ===", StringComparison.Ordinal);
        if (at < 0) throw new InvalidDataException($"trtexec printed no performance summary: {Tail(output)}");
        var summary = output[at..];
        var throughput = ThroughputLine().Match(summary);
        if (!throughput.Success) throw new InvalidDataException($"trtexec's performance summary has no throughput line: {Tail(summary)}");
        var latency = Latency(summary, "Latency") ?? throw new InvalidDataException($"trtexec's performance summary has no latency line: {Tail(summary)}");
        return new TrtexecSummary(Number(throughput.Groups[1].Value), latency, Latency(summary, "GPU Compute Time"));
    }

    /// <summary>The line "NAME: min = …" at a line start (so "Latency" is not "End-to-End Host Latency" or "H2D Latency").</summary>
    private static TrtexecLatency? Latency(string summary, string name)
    {
        var line = Regex.Match(summary, $@"(?:^|\]\s|\n)\s*{Regex.Escape(name)}: (min = [^\n]*)", RegexOptions.CultureInvariant);
        if (!line.Success) return null;
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        var percentiles = new Dictionary<double, double>();
        foreach (Match m in Statistic().Matches(line.Groups[1].Value))
        {
            var value = Number(m.Groups["value"].Value);
            if (m.Groups["percent"].Success) percentiles[Number(m.Groups["percent"].Value)] = value;
            else values[m.Groups["name"].Value] = value;
        }

        return values.TryGetValue("min", out var min) && values.TryGetValue("max", out var max) && values.TryGetValue("mean", out var mean) &&
               values.TryGetValue("median", out var median)
            ? new TrtexecLatency(min, max, mean, median, percentiles)
            : throw new InvalidDataException($"trtexec's '{name}' line lacks min, max, mean or median: {line.Value.Trim()}");
    }

    private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string Tail(string text) => text.Length <= 600 ? text.Trim() : "…" + text[^600..].Trim();

    [GeneratedRegex(@"Throughput: ([0-9.eE+-]+) qps", RegexOptions.CultureInvariant)]
    private static partial Regex ThroughputLine();

    [GeneratedRegex(@"(?:(?<name>min|max|mean|median)|percentile\((?<percent>[0-9.]+)%\)) = (?<value>[0-9.eE+-]+) ms", RegexOptions.CultureInvariant)]
    private static partial Regex Statistic();
}
