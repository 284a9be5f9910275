using System.Diagnostics;

namespace Toolchain.Cli.Tests;

/// <summary>Runs the real <c>toolchain</c> executable (built next to the tests) as a user would.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>How the tests start the CLI: <c>dotnet toolchain.dll ARGS</c> in <paramref name="workingDirectory"/>, output redirected.</summary>
    public static ProcessStartInfo StartInfo(string workingDirectory, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "toolchain.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["COLUMNS"] = "200";
        return start;
    }

    public static Result Run(string workingDirectory, params string[] args)
    {
        using var process = Process.Start(StartInfo(workingDirectory, args))!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"toolchain {string.Join(' ', args)} ran past 5 minutes");
        }

        return new Result(process.ExitCode, stdout, stderr.Result);
    }
}
