using System.Text.Json;
using System.Text.Json.Nodes;
using Toolchain.Graph;
using Toolchain.Graph.Serialization;
using Toolchain.TestSupport;

namespace Toolchain.Cli.Tests;

public sealed class ProfileCliTests
{
    // Few samples, no refinement, a short calibration: fast, and still every table the predictor needs.
    internal static readonly string[] Quick =
        ["--runs", "3", "--warmup", "1", "--max-points", "2", "--no-refine", "--calibration-samples", "2", "--calibration-seconds", "0"];

    /// <summary>[1, 3, size, size] → conv 3→width → conv width→width + residual → pool → linear: a model that profiles in seconds.</summary>
    internal static string TinyModel(TempDirectory dir, int width = 8, int size = 8, string name = "tiny")
    {
        var path = dir.File($"{name}.safetensors");
        using var b = new GraphBuilder(name, [1, 3, size, size], seed: 1);
        var x = b.Relu(b.BatchNorm(b.Conv(b.Input, width, 3, padding: 1, bias: false, name: "stem"), "stem_bn"), "stem_relu");
        var y = b.BatchNorm(b.Conv(x, width, 3, padding: 1, bias: false, name: "conv"), "conv_bn");
        y = b.Relu(b.Add(y, x, "add"), "add_relu");
        y = b.Flatten(b.GlobalAveragePool(y, "pool"), name: "flatten");
        b.Output(b.Linear(y, 4, name: "fc"));
        using var graph = b.Build();
        GraphFile.Save(graph, path);
        return path;
    }

    private static string Profiled(TempDirectory dir, out string model, int width = 8, int size = 8)
    {
        model = TinyModel(dir, width, size);
        var r = CliRunner.Run(dir.Path, ["profile", model, "--out", "p.json", "--json", .. Quick]);
        Assert.True(r.ExitCode == ExitCodes.Success, r.Stderr);
        return dir.File("p.json");
    }

    [Fact]
    public void Profile_TinyModel_WritesAProfileThatPredictReads()
    {
        using var dir = new TempDirectory();
        var model = TinyModel(dir);
        var r = CliRunner.Run(dir.Path, ["profile", model, "--out", "p.json", "--json", .. Quick]);
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        using (var json = JsonDocument.Parse(r.Stdout.Trim().Split('\n')[^1]))
        {
            var root = json.RootElement;
            Assert.Equal("profile", root.GetProperty("type").GetString());
            Assert.Equal("ort-cpu", root.GetProperty("device").GetProperty("engine").GetString());
            var m = root.GetProperty("models")[0];
            Assert.Equal("tiny", m.GetProperty("model").GetString());
            Assert.True(m.GetProperty("measured").GetInt32() > 0);
            Assert.Equal(1 + 4 + 1 + 2, m.GetProperty("calibration").GetProperty("points").GetArrayLength()); // dense, 4 uniform, narrowest, 2 random
        }

        Assert.True(File.Exists(dir.File("p.json")));
        var predict = CliRunner.Run(dir.Path, "predict", model, "--profile", "p.json", "--json");
        Assert.Equal(ExitCodes.Success, predict.ExitCode);
        using var prediction = JsonDocument.Parse(predict.Stdout.Trim());
        var total = prediction.RootElement.GetProperty("totalMs").GetDouble();
        Assert.True(total > 0);
        var layers = prediction.RootElement.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(["stem", "conv", "pool", "fc"], layers.Select(l => l.GetProperty("name").GetString()));
        Assert.Equal("Measured", prediction.RootElement.GetProperty("calibration").GetString());
    }

    [Fact]
    public void Profile_SecondModelWithTheSameLayers_ExtendsAndReusesTables()
    {
        using var dir = new TempDirectory();
        var path = Profiled(dir, out var model);
        var r = CliRunner.Run(dir.Path, ["profile", model, "--out", path, "--json", .. Quick]);
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        using var json = JsonDocument.Parse(r.Stdout.Trim().Split('\n')[^1]);
        var m = json.RootElement.GetProperty("models")[0];
        Assert.Equal(0, m.GetProperty("measured").GetInt32());
        Assert.True(m.GetProperty("reused").GetInt32() > 0);
    }

    [Fact]
    public void Predict_Validate_ComparesWithCompactedModels()
    {
        using var dir = new TempDirectory();
        var path = Profiled(dir, out var model);
        var r = CliRunner.Run(dir.Path, "predict", model, "--profile", path, "--validate", "--samples", "2", "--measure-seconds", "0", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout.Trim());
        var validation = json.RootElement.GetProperty("validation");
        var samples = validation.GetProperty("samples").EnumerateArray().ToList();
        Assert.Equal(["dense", "random 1", "random 2"], samples.Select(s => s.GetProperty("label").GetString()));
        Assert.All(samples, s => Assert.True(s.GetProperty("measuredMs").GetDouble() > 0));
        Assert.True(validation.GetProperty("meanAbsolutePercentageError").GetDouble() >= 0);

        // The calibration was measured again beside the samples (dense, 4 uniform, narrowest, 4 random), and its error
        // is over the samples it was not fitted on: the dense model is a fit point.
        Assert.Equal(1 + 4 + 1 + 4, validation.GetProperty("recalibration").GetProperty("points").GetInt32());
        Assert.Equal([true, false, false], samples.Select(s => s.GetProperty("fitPoint").GetBoolean()));
        var held = samples.Skip(1).Select(s => Math.Abs(s.GetProperty("recalibratedErrorPercent").GetDouble())).Average();
        Assert.Equal(held, validation.GetProperty("recalibratedMeanAbsolutePercentageError").GetDouble(), 9);

        // The speed probe's runs split into the measurement's halves: how the host's speed moved while measuring.
        var drift = validation.GetProperty("speedDrift");
        var (first, second) = (drift.GetProperty("firstHalfMs").GetDouble(), drift.GetProperty("secondHalfMs").GetDouble());
        Assert.True(first > 0 && second > 0, $"{first} ms, {second} ms");
        Assert.Equal((second - first) / first * 100, drift.GetProperty("changePercent").GetDouble(), 9);

        var stored = CliRunner.Run(dir.Path, "predict", model, "--profile", path, "--validate", "--samples", "1", "--measure-seconds", "0", "--stored-calibration", "--json");
        Assert.True(stored.ExitCode == ExitCodes.Success, stored.Stderr);
        using var storedJson = JsonDocument.Parse(stored.Stdout.Trim());
        Assert.Equal(JsonValueKind.Null, storedJson.RootElement.GetProperty("validation").GetProperty("recalibration").ValueKind);
    }

    [Fact]
    public void Predict_Validate_TablesThatDoNotFitThisHost_WarnsToMeasureThemAgain()
    {
        using var dir = new TempDirectory();
        var path = Profiled(dir, out var model, width: 64, size: 32);
        // Tables from "another host": every width but the widest made 30× slower, which no calibration's scale and
        // offset can absorb (the dense model, all widest, is unchanged).
        var profile = JsonNode.Parse(File.ReadAllText(path))!;
        foreach (var layer in profile["layers"]!.AsArray()) Distort(layer!["latencyUs"]!);
        File.WriteAllText(path, profile.ToJsonString());

        var r = CliRunner.Run(dir.Path, "predict", model, "--profile", path, "--validate", "--samples", "3", "--measure-seconds", "0");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Stderr);
        Assert.Contains($"even recalibrated, the profile's per-layer tables miss this host by", r.Stderr);
        Assert.Contains($"toolchain profile {model} --replace", r.Stderr);

        static void Distort(JsonNode table)
        {
            if (table is not JsonArray row) return;
            if (row.Count > 0 && row[0] is JsonArray)
            {
                foreach (var inner in row) Distort(inner!);
                return;
            }

            for (var i = 0; i < row.Count - 1; i++) row[i] = row[i]!.GetValue<double>() * 30;
        }
    }

    [Fact]
    public void Prune_Recalibrate_MeasuresTheCalibrationAgainAndLeavesTheProfileFileAsItIs()
    {
        using var dir = new TempDirectory();
        var path = Profiled(dir, out var model, width: 64, size: 32); // wide enough that latency depends on the widths more than on the kernels' fixed cost
        var before = File.ReadAllBytes(path);
        var r = CliRunner.Run(dir.Path, "prune", model, "--method", "l1", "--budget", "latency=70%", "--profile", path, "--recalibrate", "--out", "small.onnx",
            "--measure-seconds", "0");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Stderr);
        Assert.Contains("latency calibration measured now on 10 whole models", r.Stdout + r.Stderr); // dense, 4 uniform, narrowest, 4 random
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.True(File.Exists(dir.File("small.onnx")));
        Assert.False(File.Exists(dir.File("small.calibration.json"))); // kept for --resume only while the job runs
    }

    [Fact]
    public void Predict_Table_ShowsLayersSharesAndTotal()
    {
        using var dir = new TempDirectory();
        var path = Profiled(dir, out var model);
        var r = CliRunner.Run(dir.Path, "predict", model, "--profile", path, "--ratio", "0.5");
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        Assert.Contains("stem", r.Stdout);
        Assert.Contains("calibration offset", r.Stdout);
        Assert.Contains("total", r.Stdout);
        Assert.Contains("%", r.Stdout);
    }

    [Fact]
    public void Predict_MissingOrCorruptProfile_ExitsBadInputNamingTheFile()
    {
        using var dir = new TempDirectory();
        var model = TinyModel(dir);
        var missing = CliRunner.Run(dir.Path, "predict", model, "--profile", "nope.json", "--json");
        Assert.Equal(ExitCodes.BadInput, missing.ExitCode);
        Assert.Contains("nope.json", missing.Stderr);

        File.WriteAllText(dir.File("bad.json"), "{ not json");
        var corrupt = CliRunner.Run(dir.Path, "predict", model, "--profile", "bad.json", "--json");
        Assert.Equal(ExitCodes.BadInput, corrupt.ExitCode);
        Assert.Contains("bad.json", corrupt.Stderr);
        Assert.Empty(corrupt.Stdout.Trim());
    }

    [Fact]
    public void Predict_ProfileLackingTheModelsLayers_ExitsBadInputAndOffersToExtend()
    {
        using var dir = new TempDirectory();
        var path = Profiled(dir, out _);
        var r = CliRunner.Run(dir.Path, "predict", "resnet20", "--profile", path);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("is not in the profile", r.Stderr);
        Assert.Contains("toolchain profile resnet20", r.Stderr);
    }

    [Fact]
    public void Predict_ProfileFromAnotherDevice_WarnsButPredicts()
    {
        using var dir = new TempDirectory();
        var path = Profiled(dir, out var model);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["device"]!["cpuModel"] = "Some Other CPU @ 9 GHz";
        json["device"]!["cores"] = 64;
        File.WriteAllText(path, json.ToJsonString());

        var r = CliRunner.Run(dir.Path, "predict", model, "--profile", path, "--json");
        Assert.Equal(ExitCodes.Success, r.ExitCode);
        Assert.Contains("warning", r.Stderr);
        Assert.Contains("Some Other CPU", r.Stderr);
        using var output = JsonDocument.Parse(r.Stdout.Trim());
        Assert.Contains(output.RootElement.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("another device"));
    }

    [Fact]
    public void Profile_ExistingProfileOfAnotherDevice_IsNotMixedIn()
    {
        using var dir = new TempDirectory();
        var path = Profiled(dir, out var model);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["device"]!["cpuModel"] = "Some Other CPU";
        File.WriteAllText(path, json.ToJsonString());
        var r = CliRunner.Run(dir.Path, ["profile", model, "--out", path, .. Quick]);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("--replace", r.Stderr);
    }

    [Fact]
    public void Profile_BadArguments_ExitBadInput()
    {
        using var dir = new TempDirectory();
        Assert.Equal(ExitCodes.BadInput, CliRunner.Run(dir.Path, "profile", "resnet20", "--engine", "tpu", "--out", "p.json").ExitCode);
        Assert.Equal(ExitCodes.BadInput, CliRunner.Run(dir.Path, "profile", "resnet20", "--runs", "0", "--out", "p.json").ExitCode);
        Assert.Equal(ExitCodes.BadInput, CliRunner.Run(dir.Path, "profile", "resnet21", "--out", "p.json").ExitCode);
        var cuda = CliRunner.Run(dir.Path, "profile", "resnet20", "--engine", "torch-cuda", "--out", "p.json");
        Assert.Equal(ExitCodes.BadInput, cuda.ExitCode);
        Assert.Contains("torch-cuda", cuda.Stderr);
        Assert.False(File.Exists(dir.File("p.json")));
    }
}
