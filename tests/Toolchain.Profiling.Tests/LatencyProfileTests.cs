using Toolchain.Torch.Serialization;
using System.Text.Json.Nodes;
using Toolchain.Graph;
using Toolchain.Profiling;
using Toolchain.TestSupport;

namespace Toolchain.Profiling.Tests;

public sealed class LatencyProfileTests
{
    private static LatencyProfile Sample()
    {
        using var graph = TestProfiles.Tiny();
        var calibration = new ModelCalibration("tiny", Profiler.Topology(graph), 5, 1.05, 0.012, 0.0007,
            [new CalibrationPoint("dense", 0.2, 0.18, 9), new CalibrationPoint("calibration 1", 0.15, 0.13, 11)], ProbeMs: 0.0875);
        return TestProfiles.For(graph, new OrtNchwcDeployment(16, 4), calibration);
    }

    [Fact]
    public void SaveLoad_RoundTrip_KeepsDeviceDeploymentTablesAndCalibrations()
    {
        using var dir = new TempDirectory();
        var profile = Sample();
        var path = dir.File("p.json");
        profile.Save(path);
        var loaded = LatencyProfile.Load(path);

        Assert.Equal(profile.Device, loaded.Device);
        Assert.Equal(profile.Measurement, loaded.Measurement);
        Assert.Equal(profile.Deployment, loaded.Deployment);
        Assert.Equal(profile.Layers.Keys.Order(), loaded.Layers.Keys.Order());
        foreach (var (key, layer) in profile.Layers)
        {
            var other = loaded.Layers[key];
            Assert.Equal(layer.Config.Key, other.Config.Key);
            Assert.Equal(layer.Table.Axes.Count, other.Table.Axes.Count);
            for (var d = 0; d < layer.Table.Rank; d++) Assert.Equal(layer.Table.Axes[d], other.Table.Axes[d]);
            // Stored in µs with two decimals.
            Assert.All(layer.Table.Values.Zip(other.Table.Values), p => Assert.Equal(p.First, p.Second, 5));
        }

        var c = Assert.Single(loaded.Calibrations);
        var original = profile.Calibrations[0];
        Assert.Equal((original.Model, original.Topology, original.Layers, original.Scale, original.OffsetMs, original.PerKernelMs),
            (c.Model, c.Topology, c.Layers, c.Scale, c.OffsetMs, c.PerKernelMs));
        Assert.Equal(original.Points, c.Points);
        Assert.Equal(0.0875, c.ProbeMs);
        Assert.Empty(Directory.GetFiles(dir.Path, "*" + AtomicFile.PartialSuffix));
    }

    [Fact]
    public void Load_CalibrationWithoutSpeedProbe_LoadsWithoutIt()
    {
        using var dir = new TempDirectory();
        var path = dir.File("p.json");
        Sample().Save(path);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.True(json["calibrations"]![0]!.AsObject().Remove("probeMs"));
        File.WriteAllText(path, json.ToJsonString());
        Assert.Null(Assert.Single(LatencyProfile.Load(path).Calibrations).ProbeMs);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    public void Load_NonPositiveSpeedProbe_IsRejected(double probeMs)
    {
        using var dir = new TempDirectory();
        var path = dir.File("p.json");
        Sample().Save(path);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["calibrations"]![0]!["probeMs"] = probeMs;
        File.WriteAllText(path, json.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => LatencyProfile.Load(path));
        Assert.Contains("calibrations[0]", e.Message);
        Assert.Contains("probeMs", e.Message);
    }

    [Fact]
    public void Save_WritesOneRowOfNumbersPerLine()
    {
        using var dir = new TempDirectory();
        Sample().Save(dir.File("p.json"));
        var text = File.ReadAllText(dir.File("p.json"));
        Assert.Contains("\"schemaVersion\": 1", text);
        Assert.Contains("\"kind\": \"ort-nchwc\"", text);
        Assert.Matches(new System.Text.RegularExpressions.Regex(@"^\s*\[[0-9.]+(, [0-9.]+)+\],?$", System.Text.RegularExpressions.RegexOptions.Multiline), text);
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFoundNamingItAndTheFix()
    {
        var e = Assert.Throws<FileNotFoundException>(() => LatencyProfile.Load("/nonexistent/p.json"));
        Assert.Contains("/nonexistent/p.json", e.Message);
        Assert.Contains("toolchain profile", e.Message);
    }

    [Theory]
    [InlineData("garbage", "not valid profile JSON")]
    [InlineData("{}", "'schema'")]
    [InlineData("null", "JSON null")]
    public void Load_CorruptFile_ThrowsInvalidDataNamingTheFile(string content, string expected)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("bad.json"), content);
        var e = Assert.Throws<InvalidDataException>(() => LatencyProfile.Load(dir.File("bad.json")));
        Assert.Contains("bad.json", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Load_OtherSchemaVersion_SaysSo()
    {
        var e = LoadEdited(json => json["schemaVersion"] = 7);
        Assert.Contains("schema version 7", e.Message);
    }

    [Fact]
    public void Load_TableWithWrongRowLength_NamesTheConfiguration()
    {
        var e = LoadEdited(json =>
        {
            var layer = json["layers"]!.AsArray().First(l => l!["latencyUs"] is JsonArray rows && rows[0] is JsonArray)!;
            layer["latencyUs"]![0]!.AsArray().Add(1.0);
        });
        Assert.Contains("row 0", e.Message);
        Assert.Contains("latencyUs", e.Message);
    }

    [Fact]
    public void Load_KeyNotMatchingTheConfiguration_IsRejected()
    {
        var e = LoadEdited(json => json["layers"]![0]!["key"] = "Conv 9x9 something else");
        Assert.Contains("does not match its configuration", e.Message);
    }

    [Fact]
    public void Load_NegativeLatency_IsRejected()
    {
        var e = LoadEdited(json =>
        {
            var layer = json["layers"]!.AsArray().First(l => l!["latencyUs"] is JsonArray rows && rows[0] is JsonValue)!;
            layer["latencyUs"]![0] = -3;
        });
        Assert.Contains("not a non-negative latency", e.Message);
    }

    [Fact]
    public void Load_MissingDevice_IsRejected()
    {
        var e = LoadEdited(json => json.Remove("device"));
        Assert.Contains("'device'", e.Message);
    }

    private static InvalidDataException LoadEdited(Action<JsonObject> edit)
    {
        using var dir = new TempDirectory();
        var path = dir.File("p.json");
        Sample().Save(path);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
        return Assert.Throws<InvalidDataException>(() => LatencyProfile.Load(path));
    }

    [Fact]
    public void Fingerprint_Differences_NameEachChangedField()
    {
        var a = TestProfiles.Device();
        Assert.Empty(a.Differences(a with { Date = "another day" }));
        var b = a with { CpuModel = "Other CPU", Cores = 8, EngineVersion = "2.0" };
        var differences = a.Differences(b);
        Assert.Equal(3, differences.Count);
        Assert.Contains(differences, d => d.Contains("CPU: profile Test CPU, here Other CPU"));
        Assert.Contains(differences, d => d.StartsWith("cores", StringComparison.Ordinal));
        Assert.Contains(differences, d => d.StartsWith("engine version", StringComparison.Ordinal));
    }

    [Fact]
    public void Fingerprint_Current_ReadsThisMachine()
    {
        var here = DeviceFingerprint.Current("ort-cpu", "1.23.2", 2, 1);
        Assert.Equal(Environment.ProcessorCount, here.Cores);
        Assert.False(string.IsNullOrWhiteSpace(here.CpuModel));
        if (File.Exists("/proc/cpuinfo")) Assert.DoesNotContain("unknown", here.CpuModel);
    }

    [Fact]
    public void CalibrationFit_RecoversKnownTerms()
    {
        // measured = 1.1 · layers − 0.002 · kernels + 0.05
        var points = new[] { (1.0, 20), (0.8, 35), (1.3, 40), (0.9, 28), (1.2, 22) }
            .Select((p, i) => new CalibrationPoint($"p{i}", 1.1 * p.Item1 - 0.002 * p.Item2 + 0.05, p.Item1, p.Item2)).ToList();
        var (scale, offset, perKernel) = ModelCalibration.Fit(points);
        Assert.Equal(1.1, scale, 9);
        Assert.Equal(0.05, offset, 9);
        Assert.Equal(0.002, perKernel, 9);
    }

    [Fact]
    public void CalibrationFit_NeverPredictsZeroOrLessForItsOwnPoints()
    {
        // Noisy points (a loaded host): least squares with all three terms gives scale 1.33, 0.93 ms per kernel and
        // offset −10.8 ms, which predicts −0.04 ms for the third point (measured 2.9 ms). That fit is refused.
        var points = new[] { (0.6, 12, 1.4), (2.9, 9, 1.8), (2.5, 8, 2.9), (2.2, 9, 0.4) }
            .Select((p, i) => new CalibrationPoint($"p{i}", p.Item3, p.Item1, p.Item2)).ToList();
        var (scale, offset, perKernel) = ModelCalibration.Fit(points);
        Assert.True(scale > 0);
        Assert.All(points, p => Assert.True(scale * p.LayersMs - perKernel * p.Kernels + offset > 0, $"{p.Label}: {scale} · {p.LayersMs} − {perKernel} · {p.Kernels} + {offset}"));
    }

    [Fact]
    public void CalibrationFit_WithOnePoint_IsAnOffset()
    {
        var (scale, offset, perKernel) = ModelCalibration.Fit([new CalibrationPoint("dense", 1.0, 0.8, 10)]);
        Assert.Equal((1.0, 0.2, 0.0), (scale, Math.Round(offset, 12), perKernel));
    }

    [Fact]
    public void Predictor_LoadedProfileLackingTheModelsLayers_NamesTheFileAndTheCommandThatExtendsIt()
    {
        using var dir = new TempDirectory();
        using var tiny = TestProfiles.Tiny();
        var path = dir.File("tiny-only.json");
        TestProfiles.For(tiny, new OrtCpuEngine(2).Deployment).Save(path);
        using var resnet = ModelZoo.Create("resnet20");
        var e = Assert.Throws<InvalidDataException>(() => new LatencyPredictor(LatencyProfile.Load(path), Pruning.ChannelGroups.Discover(resnet)));
        Assert.Contains($"the latency profile '{path}' lacks what model 'resnet20' needs", e.Message);
        Assert.Contains($"toolchain profile resnet20 --out {path}", e.Message);
    }
}
