using Toolchain.Torch.Serialization;
using System.Text.Json;
using Toolchain.Runtime;
using Toolchain.TestSupport;

namespace Toolchain.Cli.Tests;

/// <summary>export / infer / bench / inspect on ONNX files, through the real command.</summary>
public sealed class DeployCliTests
{
    [Fact]
    public void Export_WritesOnnxThatOnnxRuntimeRunsWithOurOutputs_AndInspectReadsItBack()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, "export", "resnet20", "--out", "resnet20.onnx", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout.Trim());
        var root = json.RootElement;
        Assert.InRange(root.GetProperty("parityMaxAbsDiff").GetDouble(), 0, 1e-4 * Math.Max(1, root.GetProperty("logitScale").GetDouble()));
        Assert.Equal(17, root.GetProperty("opset").GetInt32());
        Assert.True(new FileInfo(dir.File("resnet20.onnx")).Length > 1_000_000);
        Assert.Empty(Directory.GetFiles(dir.Path, "*" + AtomicFile.PartialSuffix));

        // The exported file is a model like any other: inspect imports it with the same counts as the zoo's.
        var inspect = CliRunner.Run(dir.Path, "inspect", "resnet20.onnx", "--json");
        Assert.True(inspect.ExitCode == ExitCodes.Success, inspect.Stderr);
        using var model = JsonDocument.Parse(inspect.Stdout.Trim());
        Assert.Equal(272_474, model.RootElement.GetProperty("parameters").GetInt64());
        Assert.InRange(model.RootElement.GetProperty("macs").GetInt64(), 40_000_000, 42_000_000);
    }

    [Fact]
    public void Infer_OrtAndTorchEnginesAgreeOnTheSameNpyInput()
    {
        using var dir = new TempDirectory();
        var random = new Random(1);
        var x = new HostTensor([3, 3, 32, 32], Enumerable.Range(0, 3 * 3 * 32 * 32).Select(_ => (float)random.NextDouble()).ToArray());
        Npy.Write(dir.File("x.npy"), x);

        var ort = CliRunner.Run(dir.Path, "infer", "resnet20", "--input", "x.npy", "--output", "ort.npy", "--engine", "ort-cpu", "--json");
        Assert.True(ort.ExitCode == ExitCodes.Success, ort.Stderr);
        var torch = CliRunner.Run(dir.Path, "infer", "resnet20", "--input", "x.npy", "--output", "torch.npy", "--engine", "torch");
        Assert.True(torch.ExitCode == ExitCodes.Success, torch.Stderr);
        Assert.Contains("top classes", torch.Stdout);

        var a = Npy.Read(dir.File("ort.npy"));
        var b = Npy.Read(dir.File("torch.npy"));
        Assert.Equal([3, 10], a.Shape);
        Assert.Equal(a.Shape, b.Shape);
        var scale = Math.Max(1, b.Data.Max(Math.Abs));
        Assert.All(a.Data.Zip(b.Data), p => Assert.InRange(Math.Abs(p.First - p.Second), 0, 1e-4 * scale));
    }

    [Fact]
    public void Infer_WrongInputShape_ExitsBadInputNamingTheShapes_AndWritesNothing()
    {
        using var dir = new TempDirectory();
        Npy.Write(dir.File("x.npy"), new HostTensor([1, 3, 31, 32], new float[3 * 31 * 32]));
        var r = CliRunner.Run(dir.Path, "infer", "resnet20", "--input", "x.npy", "--output", "y.npy");
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("31", r.Stderr);
        Assert.False(File.Exists(dir.File("y.npy")));
    }

    [Fact]
    public void Bench_Json_ReportsConsistentPercentiles()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, "bench", "resnet20", "--engine", "ort-cpu", "--batch", "2", "--warmup", "2", "--iterations", "15", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout.Trim());
        var report = json.RootElement.GetProperty("report");
        Assert.Equal(15, report.GetProperty("iterations").GetInt32());
        Assert.Equal(2, report.GetProperty("batch").GetInt32());
        double P(string name) => report.GetProperty(name).GetDouble();
        Assert.True(P("minMs") > 0);
        Assert.True(P("minMs") <= P("p50Ms") && P("p50Ms") <= P("p90Ms") && P("p90Ms") <= P("p99Ms") && P("p99Ms") <= P("maxMs"));
        Assert.True(P("sessionCreationMs") > 0 && P("firstRunMs") > 0 && P("throughputPerSecond") > 0);
    }

    [Fact]
    public void Bench_PerNode_ListsEveryTimedNodeFromOnnxRuntimesProfiler()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, "bench", "resnet20", "--iterations", "5", "--warmup", "1", "--per-node", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Stderr);
        var lines = r.Stdout.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        using var json = JsonDocument.Parse(lines[1]);
        Assert.Equal("nodes", json.RootElement.GetProperty("type").GetString());
        var nodes = json.RootElement.GetProperty("nodes").EnumerateArray().ToList();
        // ResNet-20 has 21 convolutions; ONNX Runtime fuses BatchNorm/ReLU/Add into them but times each conv.
        Assert.True(nodes.Count(n => n.GetProperty("opType").GetString() == "Conv") >= 21, r.Stdout);
        Assert.All(nodes, n => Assert.True(n.GetProperty("meanMicroseconds").GetDouble() >= 0));
        Assert.Empty(Directory.GetFiles(dir.Path)); // the profiler's trace file is cleaned up

        var torch = CliRunner.Run(dir.Path, "bench", "resnet20", "--engine", "torch", "--per-node");
        Assert.Equal(ExitCodes.BadInput, torch.ExitCode);
    }

    [Fact]
    public void Bench_UnavailableProvider_ExitsBadInputSayingWhy()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, "bench", "resnet20", "--engine", "ort-cuda", "--iterations", "1");
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("CUDA", r.Stderr);
    }

    [Fact]
    public void UnknownEngine_ExitsBadInputListingTheCatalogueNames()
    {
        using var dir = new TempDirectory();
        var deployable = string.Join(", ", Engines.Deployable);
        foreach (var args in new[] { new[] { "bench", "resnet20", "--engine", "tpu" }, ["infer", "resnet20", "--engine", "tpu", "--input", "x.npy", "--output", "y.npy"] })
        {
            var r = CliRunner.Run(dir.Path, args);
            Assert.Equal(ExitCodes.BadInput, r.ExitCode);
            Assert.Contains($"unknown engine 'tpu' (known: {deployable})", r.Stderr);
        }

        var help = CliRunner.Run(dir.Path, "bench", "--help");
        Assert.All(Engines.Deployable, e => Assert.Contains(e.Name, help.Stdout));
    }

    [Fact]
    public void DynamicSpatialOnnx_NeedsInputShape_ThenInspectsAndBenchmarks()
    {
        using var dir = new TempDirectory();
        PythonOracle.RunScript("reference/dynamic_onnx.py", [dir.File("dynamic.onnx")]);

        var without = CliRunner.Run(dir.Path, "inspect", "dynamic.onnx");
        Assert.Equal(ExitCodes.BadInput, without.ExitCode);
        Assert.Contains("--input-shape", without.Stderr);

        var inspect = CliRunner.Run(dir.Path, "inspect", "dynamic.onnx", "--input-shape", "1x3x48x40", "--json");
        Assert.True(inspect.ExitCode == ExitCodes.Success, inspect.Stderr);
        using var json = JsonDocument.Parse(inspect.Stdout.Trim());
        Assert.Equal([1L, 3, 48, 40], json.RootElement.GetProperty("inputShape").EnumerateArray().Select(e => e.GetInt64()));

        foreach (var engine in new[] { "ort-cpu", "torch" })
        {
            var bench = CliRunner.Run(dir.Path, "bench", "dynamic.onnx", "--engine", engine, "--input-shape", "1x3x48x40", "--iterations", "3", "--warmup", "1");
            Assert.True(bench.ExitCode == ExitCodes.Success, $"{engine}: {bench.Stderr}");
        }

        var bad = CliRunner.Run(dir.Path, "inspect", "dynamic.onnx", "--input-shape", "3x48x40");
        Assert.Equal(ExitCodes.BadInput, bad.ExitCode);
        Assert.Contains("N×C×H×W", bad.Stderr);
    }

    [Fact]
    public void CorruptOrMissingOnnx_ExitsBadInputNamingTheFile()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("bad.onnx"), [0x08, 0x07, 0x12, 0xff, 0xff, 0x01]);
        foreach (var args in new[] { new[] { "inspect", "bad.onnx" }, ["bench", "bad.onnx", "--iterations", "1"], ["inspect", "missing.onnx"] })
        {
            var r = CliRunner.Run(dir.Path, args);
            Assert.Equal(ExitCodes.BadInput, r.ExitCode);
            Assert.Contains(args[1], r.Stderr);
        }
    }
}

/// <summary>inspect --groups and prune through the real command.</summary>
public sealed class PruneCliTests
{
    [Fact]
    public void InspectGroups_Json_ListsCoupledGroupsWithCostsAndReasons()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, "inspect", "resnet20", "--groups", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Stderr);
        using var json = JsonDocument.Parse(r.Stdout.Trim());
        var groups = json.RootElement.GetProperty("groups").EnumerateArray().ToList();
        // The stem and every residual stage's blocks share one group per stage; each block's inner conv is its own.
        Assert.Equal(3, groups.Count(g => g.GetProperty("name").GetString()!.Contains("coupled")));
        var input = groups.Single(g => g.GetProperty("name").GetString() == "input");
        Assert.False(input.GetProperty("prunable").GetBoolean());
        Assert.Contains("input", input.GetProperty("reason").GetString());
        var inner = groups.Single(g => g.GetProperty("name").GetString() == "layer1.0.conv1");
        // One channel of layer1.0.conv1: a 3×3×16 filter + BN (γ, β) and a 3×3 slice of every filter of conv2.
        Assert.Equal(3 * 3 * 16 + 2 + 16 * 3 * 3, inner.GetProperty("parametersPerChannel").GetDouble());
    }

    [Fact]
    public void TwoOutputNonSquareOnnx_InspectsListsBothOutputsAndWhyTheirGroupsStay_AndPrunesToAModelWithBoth()
    {
        // PyTorch's two-head network at 40×56 (python/export_two_heads.py): bilinear scores at the input size, logits.
        using var dir = new TempDirectory();
        PythonOracle.RunScript(Path.Combine(PythonOracle.HelperDirectory, "export_two_heads.py"), [dir.Path]);

        var inspect = CliRunner.Run(dir.Path, "inspect", "two_heads.onnx", "--json");
        Assert.True(inspect.ExitCode == ExitCodes.Success, inspect.Stderr);
        using (var model = JsonDocument.Parse(inspect.Stdout.Trim()))
        {
            Assert.Equal([1L, 3, 40, 56], model.RootElement.GetProperty("inputShape").EnumerateArray().Select(d => d.GetInt64()));
            var outputs = model.RootElement.GetProperty("outputs").EnumerateArray()
                .Select(o => o.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray()).ToList();
            Assert.Equal([[1L, 5, 40, 56], [1L, 7]], outputs);
        }

        var groups = CliRunner.Run(dir.Path, "inspect", "two_heads.onnx", "--groups", "--json");
        Assert.True(groups.ExitCode == ExitCodes.Success, groups.Stderr);
        using (var json = JsonDocument.Parse(groups.Stdout.Trim()))
        {
            // One head's classes each: fixed, with the output named.
            var fixedByOutput = json.RootElement.GetProperty("groups").EnumerateArray()
                .Count(g => !g.GetProperty("prunable").GetBoolean() && g.GetProperty("reason").GetString()!.Contains("reaches the graph output"));
            Assert.Equal(2, fixedByOutput);
        }

        var prune = CliRunner.Run(dir.Path, "prune", "two_heads.onnx", "--ratio", "0.5", "--out", "pruned.onnx", "--measure-seconds", "0");
        Assert.True(prune.ExitCode == ExitCodes.Success, prune.Stderr);
        var pruned = CliRunner.Run(dir.Path, "inspect", "pruned.onnx", "--json");
        Assert.True(pruned.ExitCode == ExitCodes.Success, pruned.Stderr);
        using var after = JsonDocument.Parse(pruned.Stdout.Trim());
        Assert.Equal(2, after.RootElement.GetProperty("outputs").GetArrayLength());
        Assert.True(after.RootElement.GetProperty("parameters").GetInt64() < 12_436 / 2);
    }

    [Fact]
    public void Prune_UnstructuredWithALatencyBudget_ExitsBadInputWithTheReasonAndWritesNothing()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, "prune", "resnet20", "--method", "ltp", "--sparsity", "unstructured", "--budget", "latency=50%", "--out", "sparse.onnx");
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("dense kernels", r.Stderr);
        Assert.Contains("--sparsity structured", r.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Prune_ToOnnx_HalvesWidthsAndWritesAVerifiedSmallerModel()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, "prune", "resnet20", "--method", "l1", "--ratio", "0.5", "--out", "small.onnx", "--measure-seconds", "1", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Stderr);
        using var json = JsonDocument.Parse(LastRecord(r.Stdout, "prune"));
        var root = json.RootElement;
        Assert.InRange(root.GetProperty("compactedVsMaskedMaxAbsDiff").GetDouble(), 0, 1e-4);
        Assert.InRange(root.GetProperty("parityMaxAbsDiff").GetDouble(), 0, 1e-4);
        var after = root.GetProperty("pruned").GetProperty("parameters").GetInt64();
        Assert.True(root.GetProperty("pruned").GetProperty("measuredP50Ms").GetDouble() > 0); // dense and pruned measured on ONNX Runtime
        Assert.True(File.Exists(Path.Combine(dir.Path, "small.trail.json")));
        Assert.InRange(after, 50_000, 100_000); // halving every width keeps about a quarter of the weights
        foreach (var g in root.GetProperty("groups").EnumerateArray().Where(g => g.GetProperty("prunable").GetBoolean()))
        {
            Assert.Equal(g.GetProperty("channels").GetInt32() / 2, g.GetProperty("kept").GetInt32());
        }

        // The file reloads at its new size.
        var inspect = CliRunner.Run(dir.Path, "inspect", "small.onnx", "--json");
        Assert.True(inspect.ExitCode == ExitCodes.Success, inspect.Stderr);
        using var model = JsonDocument.Parse(inspect.Stdout.Trim());
        Assert.Equal(after, model.RootElement.GetProperty("parameters").GetInt64());
        Assert.Equal(root.GetProperty("pruned").GetProperty("macs").GetInt64(), model.RootElement.GetProperty("macs").GetInt64());
    }

    [Fact]
    public void Prune_ToGraphFile_ReloadsAtItsNewSizeAndRoundsWidths()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, "prune", "resnet20", "--ratio", "0.3", "--round-to", "8", "--out", "small.safetensors", "--measure-seconds", "0", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Stderr);
        using var json = JsonDocument.Parse(LastRecord(r.Stdout, "prune"));
        Assert.All(json.RootElement.GetProperty("groups").EnumerateArray().Where(g => g.GetProperty("prunable").GetBoolean()),
            g => Assert.Equal(0, g.GetProperty("kept").GetInt32() % 8));
        var inspect = CliRunner.Run(dir.Path, "inspect", "small.safetensors", "--json");
        using var model = JsonDocument.Parse(inspect.Stdout.Trim());
        Assert.Equal(json.RootElement.GetProperty("pruned").GetProperty("parameters").GetInt64(), model.RootElement.GetProperty("parameters").GetInt64());
    }

    [Theory]
    [InlineData("1.5", "small.onnx", "ratio")]
    [InlineData("0", "small.onnx", "ratio")]
    [InlineData("0.5", "small.txt", ".onnx or .safetensors")]
    public void Prune_BadSettings_ExitBadInputAndWriteNothing(string ratio, string output, string mentioned)
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, "prune", "resnet20", "--ratio", ratio, "--out", output);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains(mentioned, r.Stderr);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Prune_UnderBudgets_MeetsThemAndWritesTheTrail()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, "prune", "resnet20", "--method", "l1", "--budget", "macs=50%", "--budget", "params=70%", "--out", "small.onnx",
            "--measure-seconds", "0", "--json");
        Assert.True(r.ExitCode == ExitCodes.Success, r.Stderr);
        using var json = JsonDocument.Parse(LastRecord(r.Stdout, "prune"));
        var budgets = json.RootElement.GetProperty("budgets").EnumerateArray().ToList();
        Assert.Equal(["macs=50%", "params=70%"], budgets.Select(b => b.GetProperty("budget").GetString()));
        Assert.All(budgets, b => Assert.True(b.GetProperty("met").GetBoolean() && b.GetProperty("value").GetDouble() <= b.GetProperty("limit").GetDouble()));
        var dense = json.RootElement.GetProperty("dense").GetProperty("macs").GetInt64();
        Assert.True(json.RootElement.GetProperty("pruned").GetProperty("macs").GetInt64() <= dense / 2);
        using var trail = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "small.trail.json")));
        Assert.Equal("l1", trail.RootElement.GetProperty("method").GetString());
        Assert.NotEmpty(trail.RootElement.GetProperty("entries").EnumerateArray());
    }

    [Theory]
    [InlineData("macs=5ms", "is a count, not a time")]
    [InlineData("params=1", "below the minimum")]
    [InlineData("params=10M", "already meets every budget")]
    [InlineData("latency=50%", "latency")]
    public void Prune_BadOrImpossibleBudget_ExitsThreeAndWritesNothing(string budget, string expected)
    {
        using var dir = new TempDirectory();
        // A latency budget with a profile that is not there; the others need none.
        string[] profile = budget.StartsWith("latency", StringComparison.Ordinal) ? ["--profile", "missing.json"] : [];
        var r = CliRunner.Run(dir.Path, ["prune", "resnet20", "--method", "l1", "--budget", budget, "--out", "small.onnx", "--measure-seconds", "0", .. profile]);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains(expected, r.Stderr);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Prune_TrainingMethodWithoutData_OrUnknownMethod_ExitsThree()
    {
        using var dir = new TempDirectory();
        var noData = CliRunner.Run(dir.Path, "prune", "resnet20", "--method", "fsa", "--budget", "macs=50%", "--out", "small.onnx");
        Assert.Equal(ExitCodes.BadInput, noData.ExitCode);
        Assert.Contains("give --data", noData.Stderr);
        var unknown = CliRunner.Run(dir.Path, "prune", "resnet20", "--method", "magic", "--budget", "macs=50%", "--out", "small.onnx");
        Assert.Equal(ExitCodes.BadInput, unknown.ExitCode);
        Assert.Contains(string.Join(", ", Toolchain.Methods.PruningMethods.Names), unknown.Stderr);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    /// <summary>The last --json record of <paramref name="type"/> (a command prints one object per line).</summary>
    private static string LastRecord(string stdout, string type) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Last(line => JsonDocument.Parse(line).RootElement.GetProperty("type").GetString() == type);
}
