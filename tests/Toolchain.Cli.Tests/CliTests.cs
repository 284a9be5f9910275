using System.Text.Json;
using Toolchain.TestSupport;

namespace Toolchain.Cli.Tests;

public sealed class CliTests
{
    [Fact]
    public void Inspect_Json_ReportsPublishedResNet20Counts()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, "inspect", "resnet20", "--json");
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        using var json = JsonDocument.Parse(r.Stdout.Trim());
        var root = json.RootElement;
        Assert.InRange(root.GetProperty("parameters").GetInt64(), 267_000, 275_000);
        Assert.InRange(root.GetProperty("macs").GetInt64(), 40_000_000, 42_000_000);
        Assert.Contains(root.GetProperty("layers").EnumerateArray(), l => l.GetProperty("op").GetString() == "Conv");
    }

    [Fact]
    public void Inspect_Table_ListsEveryLayerWithTotals()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, "inspect", "resnet20");
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        Assert.Contains("layer3.2.conv2", r.Stdout);
        Assert.Contains("272,474", r.Stdout);
    }

    [Fact]
    public void UnknownModel_ExitsBadInputAndListsTheZoo()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, "inspect", "resnet21");
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("resnet20", r.Stderr);
        Assert.Contains("mobilenet_v2", r.Stderr);
    }

    [Fact]
    public void UnknownCommandOrOption_ExitsUsage()
    {
        using var dir = new TempDirectory();
        Assert.Equal(ExitCodes.Usage, CliRunner.Run(dir.Path, "frobnicate").ExitCode);
        Assert.Equal(ExitCodes.Usage, CliRunner.Run(dir.Path, "train", "resnet20", "--epochz", "3").ExitCode);
    }

    [Fact]
    public void Eval_MissingOrCorruptCheckpoint_ExitsBadInputNamingTheFile()
    {
        using var dir = new TempDirectory();
        var missing = CliRunner.Run(dir.Path, "eval", "nope.safetensors");
        Assert.Equal(ExitCodes.BadInput, missing.ExitCode);
        Assert.Contains("nope.safetensors", missing.Stderr);

        File.WriteAllText(dir.File("bad.safetensors"), "garbage");
        var corrupt = CliRunner.Run(dir.Path, "eval", "bad.safetensors", "--json");
        Assert.Equal(ExitCodes.BadInput, corrupt.ExitCode);
        Assert.Contains("bad.safetensors", corrupt.Stderr);
        Assert.Equal("", corrupt.Stdout.Trim()); // JSON mode: errors never go to stdout
    }

    [Fact]
    public void TrainThenEval_SmallRun_WritesACheckpointThatScoresTheSame()
    {
        using var dir = new TempDirectory();
        var train = CliRunner.Run(dir.Path, "train", "resnet20", "--epochs", "1", "--train-images", "512", "--batch-size", "64",
            "--out", "r20.safetensors", "--json");
        Assert.True(train.ExitCode == ExitCodes.Success, train.Stderr);
        var records = train.Stdout.Trim().Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var epoch = records.Single(r => r.GetProperty("type").GetString() == "epoch");
        Assert.True(epoch.GetProperty("imagesPerSecond").GetDouble() > 0);
        var result = records.Single(r => r.GetProperty("type").GetString() == "result");
        Assert.True(File.Exists(dir.File("r20.safetensors")));

        var eval = CliRunner.Run(dir.Path, "eval", "r20.safetensors", "--json");
        Assert.True(eval.ExitCode == ExitCodes.Success, eval.Stderr);
        using var scored = JsonDocument.Parse(eval.Stdout.Trim());
        Assert.Equal(result.GetProperty("testTop1").GetDouble(), scored.RootElement.GetProperty("top1").GetDouble(), 6);
    }

    [Fact]
    public void Train_ImpossibleSettings_ExitBadInput()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, "train", "resnet20", "--epochs", "0");
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("epoch", r.Stderr);
    }
}
