using Toolchain.Torch.Serialization;
using System.Text.Json;
using Toolchain.Methods;
using Toolchain.TestSupport;

namespace Toolchain.Cli.Tests;

/// <summary>
/// Long commands stopped the way schedulers and people stop them: SIGTERM (and Ctrl-C's SIGINT, handled alike) finishes
/// the current step, keeps the checkpoint and exits 130 saying how to continue; SIGKILL gives no chance at all, and the
/// pipeline still continues from the stage it was in. Each test waits for the output line that says where the process
/// is before it signals it, never for a fixed time.
/// </summary>
public sealed class InterruptCliTests
{
    /// <summary>ResNet-20 on a few shapes10 images: an epoch takes seconds, so a signal sent after one lands inside the next.</summary>
    private static readonly string[] SmallData = ["--data", "shapes10", "--train-images", "256", "--test-images", "200", "--batch-size", "64"];

    private static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement.Clone();

    private static bool IsRecord(string line, string type, Func<JsonElement, bool>? where = null)
    {
        if (!line.StartsWith('{')) return false;
        var json = Json(line);
        return json.TryGetProperty("type", out var t) && t.GetString() == type && (where is null || where(json));
    }

    private static IEnumerable<JsonElement> Records(string stdout, string type) =>
        stdout.Split('\n').Where(l => IsRecord(l, type)).Select(Json);

    [Fact]
    public void Train_Sigterm_AfterAnEpoch_Exits130_KeepsTheCheckpoint_AndResumeFinishes()
    {
        using var dir = new TempDirectory();
        using var run = CliProcess.Start(dir.Path, ["train", "resnet20", "--epochs", "3", .. SmallData, "--out", "r20.safetensors", "--json"]);
        run.WaitForLine(l => IsRecord(l, "epoch", e => e.GetProperty("epoch").GetInt32() == 1), "the first epoch's record");
        run.Terminate();
        var stopped = run.WaitForExit();

        Assert.True(stopped.ExitCode == ExitCodes.Cancelled, $"exit {stopped.ExitCode}\n{stopped.Stdout}\n{stopped.Stderr}");
        Assert.Contains("toolchain train --resume r20.safetensors", stopped.Stderr);
        Assert.DoesNotContain(Records(stopped.Stdout, "result"), _ => true);
        Assert.Equal(["r20.safetensors"], Directory.GetFiles(dir.Path).Select(f => Path.GetFileName(f))); // the checkpoint, no temporary file

        var resumed = CliRunner.Run(dir.Path, "train", "resnet20", "--resume", "r20.safetensors", "--epochs", "3", "--test-images", "200", "--train-images", "256", "--json");
        Assert.True(resumed.ExitCode == ExitCodes.Success, resumed.Stderr);
        var epochs = Records(resumed.Stdout, "epoch").Select(e => e.GetProperty("epoch").GetInt32()).ToList();
        Assert.Equal(3, epochs[^1]);
        Assert.DoesNotContain(1, epochs); // the finished epoch is not trained again
        Assert.Equal(3, Records(resumed.Stdout, "result").Single().GetProperty("epochs").GetInt32());
    }

    [Fact]
    public void Prune_Sigterm_InThePruningPhase_Exits130_WritesNoOutput_AndResumeEndsAsAnUninterruptedRun()
    {
        using var dir = new TempDirectory();
        string[] prune = ["prune", "resnet20", "--method", "fsa", "--budget", "macs=50%", "--epochs", "2", "--finetune-epochs", "1", .. SmallData,
            "--measure-seconds", "0", "--out", "small.onnx", "--json"];
        using var run = CliProcess.Start(dir.Path, prune);
        run.WaitForLine(l => IsRecord(l, "trail", e => e.GetProperty("phase").GetString() == "prune" && e.GetProperty("epoch").GetInt32() == 1),
            "the first pruning epoch's trail record");
        run.Terminate();
        var stopped = run.WaitForExit();

        Assert.True(stopped.ExitCode == ExitCodes.Cancelled, $"exit {stopped.ExitCode}\n{stopped.Stdout}\n{stopped.Stderr}");
        Assert.Contains("--resume", stopped.Stderr);
        Assert.Contains("small.checkpoint.safetensors", stopped.Stderr);
        Assert.True(File.Exists(dir.File("small.checkpoint.safetensors")));
        Assert.False(File.Exists(dir.File("small.onnx"))); // never a half-written (or a not yet fine-tuned) output
        Assert.DoesNotContain(Directory.GetFiles(dir.Path), f => f.EndsWith(AtomicFile.PartialSuffix, StringComparison.Ordinal));

        var resumed = CliRunner.Run(dir.Path, [.. prune, "--resume"]);
        Assert.True(resumed.ExitCode == ExitCodes.Success, resumed.Stderr);
        Assert.True(File.Exists(dir.File("small.onnx")));
        Assert.False(File.Exists(dir.File("small.checkpoint.safetensors")));
        Assert.All(Records(resumed.Stdout, "prune").Single().GetProperty("budgets").EnumerateArray(), b => Assert.True(b.GetProperty("met").GetBoolean()));
        Assert.Equal(["prune 1", "prune 2", "cut 0", "finetune 1"], Trail.Load(dir.File("small.trail.json")).Entries.Select(e => $"{e.Phase} {e.Epoch}"));
    }

    [Fact]
    public void Bench_Sigterm_StopsALongMeasurementAtOnce_WithExit130()
    {
        using var dir = new TempDirectory();
        using var run = CliProcess.Start(dir.Path, "bench", "resnet20", "--duration", "600");
        run.WaitForLine(l => l.Contains("benchmarking ort-cpu", StringComparison.Ordinal), "the benchmark's progress");
        run.Terminate();
        var stopped = run.WaitForExit(); // within the test's patience, far below the 600 s asked for

        Assert.True(stopped.ExitCode == ExitCodes.Cancelled, $"exit {stopped.ExitCode}\n{stopped.Stdout}\n{stopped.Stderr}");
        Assert.Contains("interrupted", stopped.Stderr);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Profile_KilledDuringTheSecondModel_KeepsTheFirst_AndTheSameCommandEndsAsAnUninterruptedRun()
    {
        using var dir = new TempDirectory();
        var first = ProfileCliTests.TinyModel(dir, width: 8, size: 8, name: "first");
        var second = ProfileCliTests.TinyModel(dir, width: 24, size: 12, name: "second");
        string[] profile = ["profile", first, second, "--out", "p.json", "--json", .. ProfileCliTests.Quick];

        using (var run = CliProcess.Start(dir.Path, profile))
        {
            run.WaitForFile(dir.File("p.json")); // saved once the first model is done, while the second is measured
            run.Kill();
            run.WaitForExit();
        }

        var kept = Toolchain.Profiling.LatencyProfile.Load(dir.File("p.json")); // whole, never partial
        Assert.Equal("first", kept.Calibrations[0].Model); // (the second too, only if the kill came after it was saved)
        Assert.DoesNotContain(Directory.GetFiles(dir.Path), f => f.EndsWith(AtomicFile.PartialSuffix, StringComparison.Ordinal));

        var resumed = CliRunner.Run(dir.Path, profile);
        Assert.True(resumed.ExitCode == ExitCodes.Success, resumed.Stderr);
        var models = Json(resumed.Stdout.Trim().Split('\n')[^1]).GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(0, models[0].GetProperty("measured").GetInt32()); // the first model's tables are all reused

        // The same configurations, lattices and calibrated models as a run that was never interrupted.
        using var clean = new TempDirectory();
        File.Copy(first, clean.File("first.safetensors"));
        File.Copy(second, clean.File("second.safetensors"));
        var uninterrupted = CliRunner.Run(clean.Path, ["profile", "first.safetensors", "second.safetensors", "--out", "p.json", "--json", .. ProfileCliTests.Quick]);
        Assert.True(uninterrupted.ExitCode == ExitCodes.Success, uninterrupted.Stderr);
        var (a, b) = (Toolchain.Profiling.LatencyProfile.Load(dir.File("p.json")), Toolchain.Profiling.LatencyProfile.Load(clean.File("p.json")));
        Assert.Equal(b.Layers.Keys.Order(), a.Layers.Keys.Order());
        foreach (var key in a.Layers.Keys) Assert.Equal(b.Layers[key].Table.Axes, a.Layers[key].Table.Axes);
        Assert.Equal(b.Calibrations.Select(c => (c.Model, c.Topology, c.Points.Count)), a.Calibrations.Select(c => (c.Model, c.Topology, c.Points.Count)));
    }

    /// <summary>
    /// The pipeline on ResNet-20 and a few shapes10 images, 2 training and 2 pruning epochs (a kill after the first lands
    /// inside the stage, seconds before it ends), the committed profile (no profiling), a 1-second benchmark and gates
    /// loose enough to pass.
    /// </summary>
    private static string[] SmallPipeline() =>
    [
        "run", "--set", "data=shapes10", "--set", "train.images=256", "--set", "train.testImages=100", "--set", "train.epochs=2", "--set", "train.batchSize=64",
        "--set", "prune.method=fsa", "--set", "prune.epochs=2", "--set", "prune.finetuneEpochs=1", "--set", "prune.batchSize=64",
        "--set", $"target.profile={RunCliTests.CommittedProfile()}", "--set", "target.allowForeignProfile=true", "--set", "benchmark.seconds=1",
        "--set", "gates.latencyTolerance=10", "--set", "gates.maxAccuracyDrop=null", "--set", "output=out", "--json",
    ];

    private static bool Stage(string line, string stage, bool finished) =>
        IsRecord(line, "stage", e => e.GetProperty("stage").GetString() == stage && (e.GetProperty("status").GetString() != "running") == finished);

    private static string FinishedStatus(CliProcess run, string stage) =>
        Json(run.WaitForLine(l => Stage(l, stage, finished: true), $"the end of the {stage} stage")).GetProperty("status").GetString()!;

    [Fact]
    public void Run_KilledInEachStage_TheSameCommandContinuesFromTheStageItWasIn()
    {
        using var dir = new TempDirectory();
        var args = SmallPipeline();
        string Out(string name) => dir.File(Path.Combine("out", name));

        // 1. SIGKILL in the train stage, after its first epoch's checkpoint.
        using (var run = CliProcess.Start(dir.Path, args))
        {
            run.WaitForLine(l => IsRecord(l, "epoch", e => e.GetProperty("stage").GetString() == "train" && e.GetProperty("epoch").GetInt32() == 1), "the first training epoch");
            run.Kill();
            run.WaitForExit();
        }

        Assert.True(File.Exists(Out("dense.safetensors"))); // the epoch checkpoint
        Assert.False(File.Exists(Out("stages/train.json")));

        // 2. The same command: training resumes from that checkpoint; SIGKILL in the prune stage after its first epoch.
        using (var run = CliProcess.Start(dir.Path, args))
        {
            Assert.Equal("resumed", FinishedStatus(run, "train"));
            run.WaitForLine(l => IsRecord(l, "trail", e => e.GetProperty("phase").GetString() == "prune" && e.GetProperty("epoch").GetInt32() == 1), "the first pruning epoch");
            // The trail entry is told before the epoch's checkpoint is renamed into place (the checkpoint carries the trail).
            run.WaitForFile(Out("pruned.checkpoint.safetensors"));
            run.Kill();
            var killed = run.WaitForExit();
            var trained = Records(killed.Stdout, "epoch").Select(e => e.GetProperty("epoch").GetInt32()).ToList();
            Assert.Equal([2], trained); // epoch 1 was not trained again
        }

        Assert.True(File.Exists(Out("stages/train.json")));
        Assert.True(File.Exists(Out("pruned.checkpoint.safetensors")));
        Assert.False(File.Exists(Out("stages/prune.json")));

        // 3. Again: training is reused, pruning resumes from its epoch checkpoint; SIGKILL as the benchmark starts.
        using (var run = CliProcess.Start(dir.Path, args))
        {
            Assert.Equal("reused", FinishedStatus(run, "train"));
            Assert.Equal("resumed", FinishedStatus(run, "prune"));
            run.WaitForLine(l => Stage(l, "benchmark", finished: false), "the start of the benchmark stage");
            run.Kill();
            var killed = run.WaitForExit();
            var epochs = Records(killed.Stdout, "trail").Select(e => $"{e.GetProperty("phase").GetString()} {e.GetProperty("epoch").GetInt32()}").ToList();
            Assert.DoesNotContain("prune 1", epochs); // resumed after it
            Assert.Contains("prune 2", epochs);
        }

        Assert.True(File.Exists(Out("stages/prune.json")));
        Assert.True(File.Exists(Out("pruned.onnx")));
        Assert.False(File.Exists(Out("pruned.checkpoint.safetensors")));
        Assert.False(File.Exists(Out("results.json")));

        // 4. Again, to the end: both stages reused, parity on real images and the benchmark run anew, every gate judged.
        var final = CliRunner.Run(dir.Path, args);
        Assert.True(final.ExitCode == ExitCodes.Success, $"exit {final.ExitCode}\n{final.Stdout}\n{final.Stderr}");
        var stages = Records(final.Stdout, "run").Single().GetProperty("stages").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("status").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["train"] = "reused", ["prune"] = "reused", ["parity"] = "ran", ["benchmark"] = "ran" }, stages);
        Assert.True(File.Exists(Out("results.json")));
        Assert.True(File.Exists(Out("junit.xml")));
    }
}
