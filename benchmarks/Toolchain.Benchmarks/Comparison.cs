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

/// <summary>
/// How the PyTorch side's glibc malloc runs: as users run it, or with large blocks kept in the heap instead of
/// mapped and unmapped on every free, and freed memory not trimmed off the heap's top
/// (<c>GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967296</c>; mmap_max=0 alone still
/// lets glibc trim and refault: 700 → 300 ms instead of → 100 ms on the conv benchmark). That is the relief our
/// caching allocator gives our side by design, so a ratio against it compares the engines alone.
/// </summary>
public enum MallocRelief { None, NoMmap }

/// <summary>Runs a script of the PyTorch side of a comparison under Debian's Python.</summary>
public static class PyTorchSide
{
    /// <summary>Debian's Python on a script from python/, its output (and input when asked) redirected.</summary>
    internal static ProcessStartInfo StartInfo(string script, object[] arguments, bool redirectInput, MallocRelief relief = MallocRelief.None)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = redirectInput };
        start.Environment["PYTHONPATH"] = Path.Combine(AppContext.BaseDirectory, "python");
        if (relief == MallocRelief.NoMmap) start.Environment["GLIBC_TUNABLES"] = "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967296";
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "python", script));
        foreach (var a in arguments) start.ArgumentList.Add(Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture)!);
        return start;
    }

    /// <summary>Runs a script from python/ and returns its standard output; throws with its stderr when it fails.</summary>
    public static string Execute(string script, params object[] arguments)
    {
        using var process = Process.Start(StartInfo(script, arguments, redirectInput: false))!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} failed ({process.ExitCode}): {stderr.Result}");
        return stdout;
    }
}

/// <summary>
/// A PyTorch side kept alive between measurements, so ours and PyTorch's can take turns every few iterations: the
/// script prints a JSON line once it is ready, then answers each number written to it with a JSON line of that many
/// per-iteration seconds; an empty line stops it.
/// </summary>
public sealed class PyTorchSession : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;
    private readonly string _script;

    public PyTorchSession(string script, params object[] arguments) : this(MallocRelief.None, script, arguments)
    {
    }

    public PyTorchSession(MallocRelief relief, string script, params object[] arguments)
    {
        _script = script;
        _process = Process.Start(PyTorchSide.StartInfo(script, arguments, redirectInput: true, relief))!;
        _stderr = _process.StandardError.ReadToEndAsync();
        ReadLine(); // ready: set up and warmed up
    }

    /// <summary>Runs <paramref name="iterations"/> timed iterations on the PyTorch side; returns their seconds.</summary>
    public IReadOnlyList<double> Run(int iterations)
    {
        _process.StandardInput.WriteLine(iterations);
        _process.StandardInput.Flush();
        using var json = JsonDocument.Parse(ReadLine());
        return json.RootElement.GetProperty("seconds").EnumerateArray().Select(e => e.GetDouble()).ToArray();
    }

    private string ReadLine()
    {
        if (_process.StandardOutput.ReadLine() is { Length: > 0 } line) return line;
        var exited = _process.WaitForExit(5000);
        var stderr = exited && _stderr.Wait(2000) ? _stderr.Result : "";
        throw new InvalidOperationException($"{_script} stopped answering ({(exited ? $"exit {_process.ExitCode}" : "still running")}): {stderr}");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine();
                _process.StandardInput.Close();
                if (!_process.WaitForExit(10_000)) _process.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            _process.Dispose();
        }
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
