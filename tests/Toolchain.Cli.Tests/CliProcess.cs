using System.Diagnostics;
using System.Text;

namespace Toolchain.Cli.Tests;

/// <summary>
/// The real <c>toolchain</c> running in the background, as a scheduler sees it: its output line by line while it runs,
/// and signals — SIGTERM (<c>kill -TERM</c>, a request to stop) or SIGKILL (<see cref="Kill"/>, no chance to clean up).
/// Tests wait for the line that says where it is, never for a fixed time.
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);
    private readonly Process _process;
    private readonly List<string> _stdout = [];
    private readonly StringBuilder _stderr = new();
    private readonly object _sync = new();
    private readonly string[] _args;

    private CliProcess(Process process, string[] args)
    {
        _process = process;
        _args = args;
    }

    public int Id => _process.Id;

    public static CliProcess Start(string workingDirectory, params string[] args) => Start(workingDirectory, new Dictionary<string, string>(), args);

    /// <summary>As <see cref="Start(string, string[])"/> with <paramref name="environment"/> added to the process's environment.</summary>
    public static CliProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = CliRunner.StartInfo(workingDirectory, args);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var process = new Process { StartInfo = start };
        var cli = new CliProcess(process, args);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (cli._sync)
            {
                cli._stdout.Add(e.Data);
                Monitor.PulseAll(cli._sync);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (cli._sync) cli._stderr.AppendLine(e.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>Waits until a line of standard output matches; fails with everything it printed if it ends first.</summary>
    public string WaitForLine(Func<string, bool> match, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        var seen = 0;
        while (true)
        {
            var exited = _process.HasExited;
            if (exited) _process.WaitForExit(); // drains the output readers (outside the lock their handlers take)
            lock (_sync)
            {
                for (; seen < _stdout.Count; seen++)
                {
                    if (match(_stdout[seen])) return _stdout[seen];
                }

                if (exited) throw new Xunit.Sdk.XunitException($"toolchain {string.Join(' ', _args)} ended (exit {_process.ExitCode}) before {what}\n{Output()}");
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"toolchain {string.Join(' ', _args)}: no {what} within {Patience}\n{Output()}");
                Monitor.Wait(_sync, TimeSpan.FromMilliseconds(200));
            }
        }
    }

    /// <summary>Waits until <paramref name="path"/> exists (written atomically by the process); fails if the process ends first.</summary>
    public void WaitForFile(string path)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!File.Exists(path))
        {
            if (_process.HasExited) throw new Xunit.Sdk.XunitException($"toolchain {string.Join(' ', _args)} ended before it wrote {path}\n{Output()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"toolchain {string.Join(' ', _args)}: {path} not written within {Patience}\n{Output()}");
            Thread.Sleep(20);
        }
    }

    /// <summary>SIGTERM: what a scheduler sends to stop a job (and Ctrl-C's SIGINT works the same way).</summary>
    public void Terminate()
    {
        using var kill = Process.Start(new ProcessStartInfo("/bin/kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>SIGKILL: the process ends at once, wherever it was.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>Waits for the process to end; its exit code and everything it printed.</summary>
    public CliRunner.Result WaitForExit()
    {
        if (!_process.WaitForExit(Patience))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"toolchain {string.Join(' ', _args)} ran past {Patience}\n{Output()}");
        }

        _process.WaitForExit(); // drains the asynchronous readers
        lock (_sync) return new CliRunner.Result(_process.ExitCode, string.Join('\n', _stdout), _stderr.ToString());
    }

    private string Output()
    {
        lock (_sync) return $"stdout:\n{string.Join('\n', _stdout)}\nstderr:\n{_stderr}";
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
