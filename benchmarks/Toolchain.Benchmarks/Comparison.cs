using System.Diagnostics;
using System.Text.Json;

namespace Toolchain.Benchmarks;

/// <summary>One measured side of a comparison: per-iteration seconds.</summary>
public sealed record Timing(string Side, IReadOnlyList<double> Seconds)
{
    public double Median => Percentile(0.5);

    public double Percentile(double q)
    {
        var sorted = Seconds.Order().ToArray();
        return sorted[(int)Math.Clamp(Math.Round(q * (sorted.Length - 1)), 0, sorted.Length - 1)];
    }
}

/// <summary>Runs the PyTorch side of a comparison under Debian's Python and reads its JSON timings.</summary>
public static class PyTorchSide
{
    public static Timing Run(string script, params object[] arguments)
    {
        using var json = JsonDocument.Parse(Execute(script, arguments).Trim().Split('\n').Last());
        var seconds = json.RootElement.GetProperty("seconds").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        return new Timing("PyTorch", seconds);
    }

    /// <summary>Runs a script from python/ and returns its standard output; throws with its stderr when it fails.</summary>
    public static string Execute(string script, params object[] arguments)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PYTHONPATH"] = Path.Combine(AppContext.BaseDirectory, "python");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "python", script));
        foreach (var a in arguments) start.ArgumentList.Add(Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture)!);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} failed ({process.ExitCode}): {stderr.Result}");
        return stdout;
    }
}

/// <summary>Prints a comparison as a table row with the speed ratio (PyTorch time / our time; ≥ 1 means we are faster).</summary>
public static class Report
{
    public static double Print(string name, Timing ours, Timing peer, string unit = "ms", double scale = 1000, double target = 1.0)
    {
        var ratio = peer.Median / ours.Median;
        var verdict = ratio >= target ? "ok" : "BELOW TARGET";
        Console.WriteLine($"{name,-44} ours {ours.Median * scale,9:F2} {unit}   PyTorch {peer.Median * scale,9:F2} {unit}   " +
                          $"ratio {ratio,5:F3} (target ≥ {target:F2}: {verdict})");
        return ratio;
    }
}
