using System.Text.Json;
using Toolchain.TestSupport;

namespace Toolchain.Cli.Tests;

/// <summary><c>toolchain serve</c> and <c>toolchain bench --device</c> as processes, over loopback HTTP, as a user runs them.</summary>
public sealed class DeviceAgentCliTests
{
    [Fact]
    public void ServeNewToken_WritesAnOwnerOnlyTokenFile_AndNeverOverwritesIt()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, "serve", "--new-token", "--token-file", "secrets/token");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Stderr);
        var path = dir.File("secrets/token");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var token = File.ReadAllText(path).Trim();
        Assert.True(token.Length >= 43, token);

        var again = CliRunner.Run(dir.Path, "serve", "--new-token", "--token-file", "secrets/token");
        Assert.Equal(ExitCodes.BadInput, again.ExitCode);
        Assert.Contains("already exists", again.Stderr);
        Assert.Equal(token, File.ReadAllText(path).Trim());

        var noToken = CliRunner.Run(dir.Path, "serve", "--token-file", "missing");
        Assert.Equal(ExitCodes.BadInput, noToken.ExitCode);
        Assert.Contains("--new-token", noToken.Stderr);
    }

    [Fact]
    public void BenchDevice_MeasuresOnTheServedAgent_WithTheLocalSchemaMarkedWithTheDevice_AndSigtermStopsTheAgent()
    {
        using var dir = new TempDirectory();
        Assert.Equal(ExitCodes.Success, CliRunner.Run(dir.Path, "serve", "--new-token", "--token-file", "token").ExitCode);
        using var serve = CliProcess.Start(dir.Path, "serve", "--urls", "http://127.0.0.1:0", "--token-file", "token", "--json");
        using var listening = JsonDocument.Parse(serve.WaitForLine(l => l.Contains("\"listening\"", StringComparison.Ordinal), "the agent listening"));
        var url = listening.RootElement.GetProperty("urls")[0].GetString()!;
        Assert.StartsWith("http://127.0.0.1:", url);

        string[] quick = ["--iterations", "5", "--warmup", "1", "--json"];
        var remote = CliRunner.Run(dir.Path, ["bench", "resnet20", "--device", url, "--token-file", "token", .. quick]);
        Assert.True(remote.ExitCode == ExitCodes.Success, remote.Stderr);
        var local = CliRunner.Run(dir.Path, ["bench", "resnet20", .. quick]);
        Assert.True(local.ExitCode == ExitCodes.Success, local.Stderr);

        using var there = JsonDocument.Parse(remote.Stdout.Trim());
        using var here = JsonDocument.Parse(local.Stdout.Trim());
        // The same schema; only the remote one fills in the parity check against this machine's engine (null here).
        Assert.Equal(Names(here.RootElement), Names(there.RootElement).Where(n => !n.StartsWith("$.parity.", StringComparison.Ordinal)));
        Assert.Equal(JsonValueKind.Null, here.RootElement.GetProperty("parity").ValueKind);
        Assert.True(there.RootElement.GetProperty("parity").GetProperty("maxAbsDiff").GetDouble() <= 1e-5, there.RootElement.GetProperty("parity").ToString());
        Assert.Equal(url, there.RootElement.GetProperty("agent").GetString());
        Assert.Equal(JsonValueKind.Null, here.RootElement.GetProperty("agent").ValueKind);
        Assert.Equal("resnet20", there.RootElement.GetProperty("model").GetString());
        Assert.Equal(5, there.RootElement.GetProperty("report").GetProperty("iterations").GetInt32());
        // Same machine here: the agent's fingerprint is this machine's.
        Assert.Equal(here.RootElement.GetProperty("device").GetProperty("cpuModel").GetString(), there.RootElement.GetProperty("device").GetProperty("cpuModel").GetString());

        // What a user gets wrong exits 3 with the reason: another token, a file that is not ONNX, no token file.
        File.WriteAllText(dir.File("other-token"), "0123456789abcdef0123456789abcdef\n");
        var wrongToken = CliRunner.Run(dir.Path, "bench", "resnet20", "--device", url, "--token-file", "other-token", "--iterations", "1");
        Assert.Equal(ExitCodes.BadInput, wrongToken.ExitCode);
        Assert.Contains("refused the token", wrongToken.Stderr);
        File.WriteAllBytes(dir.File("bad.onnx"), [0x08, 0x07, 0x12, 0xff, 0xff, 0x01]);
        // With the parity check, ONNX Runtime here refuses the file before anything is uploaded; without it, the agent's loader does.
        var badHere = CliRunner.Run(dir.Path, "bench", "bad.onnx", "--device", url, "--token-file", "token", "--iterations", "1");
        Assert.Equal(ExitCodes.BadInput, badHere.ExitCode);
        Assert.Contains("'bad.onnx'", badHere.Stderr);
        var bad = CliRunner.Run(dir.Path, "bench", "bad.onnx", "--device", url, "--token-file", "token", "--iterations", "1", "--no-parity");
        Assert.Equal(ExitCodes.BadInput, bad.ExitCode);
        Assert.Contains("bad.onnx: not a valid ONNX model", bad.Stderr);
        var noTokenFile = CliRunner.Run(dir.Path, "bench", "resnet20", "--device", url);
        Assert.Equal(ExitCodes.BadInput, noTokenFile.ExitCode);
        Assert.Contains("--token-file", noTokenFile.Stderr);

        // A human run shows the same table as a local bench, titled with the device.
        var human = CliRunner.Run(dir.Path, "bench", "resnet20", "--device", url, "--token-file", "token", "--iterations", "3", "--warmup", "0");
        Assert.True(human.ExitCode == ExitCodes.Success, human.Stderr);
        Assert.Contains($"resnet20 on ort-cpu at {url}", human.Stdout);
        Assert.Contains("p99", human.Stdout);

        serve.Terminate();
        var stopped = serve.WaitForExit();
        Assert.True(stopped.ExitCode == ExitCodes.Success, $"exit {stopped.ExitCode}\n{stopped.Stderr}");
        Assert.Contains("job", stopped.Stderr); // the agent's log: jobs queued, started, done
    }

    /// <summary>Every property path of a JSON value (names, not values): the schema two records share.</summary>
    private static List<string> Names(JsonElement element, string path = "$")
    {
        var names = new List<string>();
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                names.Add($"{path}.{property.Name}");
                names.AddRange(Names(property.Value, $"{path}.{property.Name}"));
            }
        }

        return names;
    }
}
