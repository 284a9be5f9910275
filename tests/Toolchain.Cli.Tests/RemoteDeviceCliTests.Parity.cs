using System.Text.Json;
using Toolchain.TestSupport;

namespace Toolchain.Cli.Tests;

/// <summary><c>bench --device</c>'s parity check as a user sees it: a row of the table, a field of the JSON, skipped with --no-parity.</summary>
public sealed partial class RemoteDeviceCliTests
{
    [Fact]
    public void BenchDevice_ShowsTheParityAgainstTheLocalEngine_AndNoParitySkipsIt()
    {
        using var dir = new TempDirectory();
        var (agent, url) = Serve(dir);
        using var _ = agent;

        var shown = CliRunner.Run(dir.Path, "bench", "resnet20", "--device", url, "--token-file", "token", "--iterations", "2", "--warmup", "0", "--batch", "2");
        Assert.True(shown.ExitCode == ExitCodes.Success, shown.Stderr);
        // A table row (its cells may wrap; the words are there).
        Assert.Contains("parity vs ort-cpu", shown.Stdout);
        Assert.Contains("max |Δ| ", shown.Stdout);
        Assert.Contains("[2, 3, 32, 32]", shown.Stdout);

        var skipped = CliRunner.Run(dir.Path, "bench", "resnet20", "--device", url, "--token-file", "token", "--iterations", "2", "--warmup", "0", "--no-parity", "--json");
        Assert.True(skipped.ExitCode == ExitCodes.Success, skipped.Stderr);
        using (var json = JsonDocument.Parse(skipped.Stdout.Trim()))
        {
            Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("parity").ValueKind);
        }

        // --no-parity without --device is a mistake the command says, not an option it ignores.
        var local = CliRunner.Run(dir.Path, "bench", "resnet20", "--iterations", "1", "--no-parity");
        Assert.Equal(ExitCodes.BadInput, local.ExitCode);
        Assert.Contains("--no-parity is for --device", local.Stderr);
    }
}
