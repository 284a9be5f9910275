using Toolchain.Graph;
using Toolchain.Graph.Serialization;
using Toolchain.Profiling;
using Toolchain.TestSupport;

namespace Toolchain.Pipeline.Tests;

/// <summary>The prune workflow without the command line: what it writes, what it returns, what it refuses.</summary>
public sealed class PruneJobTests
{
    [Fact]
    public void Run_RatioToGraphFile_WritesTheSmallerModelAndReportsHalvedWidths()
    {
        using var dir = new TempDirectory();
        var observer = new RecordingObserver();
        var request = new PruneRequest { Model = "resnet20", Output = dir.File("small.safetensors"), Ratio = 0.5, MeasureSeconds = 0 };

        var result = PruneJob.Run(request, observer);

        Assert.Equal(("resnet20", "uniform-l1", 1), (result.Model, result.Method, result.Batch)); // the uniform baseline scored by l1, the default criterion
        Assert.Empty(result.Budgets); // a ratio, not budgets
        var prunable = result.Groups.Where(g => g.Prunable).ToList();
        Assert.NotEmpty(prunable);
        Assert.All(prunable, g => Assert.Equal(g.Channels / 2, result.Widths[g.Id]));
        Assert.NotNull(result.Compaction); // structured: compacted
        Assert.True(result.Compaction.MaxAbsDifference <= result.Compaction.Tolerance);
        Assert.Null(result.Onnx);
        Assert.Null(result.Dense.Measured); // MeasureSeconds = 0 measures nothing
        Assert.True(result.Pruned.Parameters < result.Dense.Parameters / 2);

        // The written file is the pruned model; the trail is beside it and the checkpoint is gone.
        using (var written = GraphFile.Load(request.Output).Graph) Assert.Equal(result.Pruned.Parameters, written.ParameterCount);
        Assert.Equal(dir.File("small.trail.json"), result.TrailPath);
        Assert.True(File.Exists(result.TrailPath));
        Assert.False(File.Exists(PruneJob.CheckpointPath(request.Output)));
        Assert.Equal(["uniform-l1"], observer.Stages);
        Assert.NotEmpty(observer.Entries);
        Assert.Contains(observer.Lines, l => l.StartsWith("Pruning resnet20 with uniform-l1", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_InterruptedAfterAnEpoch_ResumesFromItsCheckpoint_AndRefusesOtherSettings()
    {
        using var dir = new TempDirectory();
        var request = new PruneRequest
        {
            Model = "resnet20", Output = dir.File("small.safetensors"), Method = "fsa", Budgets = ["macs=50%"], Data = "shapes10", TrainImages = 64,
            Epochs = 2, FineTuneEpochs = 1, BatchSize = 32, MeasureSeconds = 0,
        };
        using var cancel = new CancellationTokenSource();
        var stopping = new RecordingObserver { OnEntry = entry => cancel.Cancel() }; // after the first epoch's checkpoint is written

        Assert.ThrowsAny<OperationCanceledException>(() => PruneJob.Run(request, stopping, cancel.Token));
        var checkpoint = PruneJob.CheckpointPath(request.Output);
        Assert.True(File.Exists(checkpoint));
        Assert.False(File.Exists(request.Output)); // no half-written output

        var other = Assert.Throws<ArgumentException>(() => PruneJob.Run(request with { Budgets = ["macs=40%"], Resume = true }, new RecordingObserver()));
        Assert.Contains("macs=50%", other.Message);

        var observer = new RecordingObserver();
        var result = PruneJob.Run(request with { Resume = true }, observer);

        Assert.Contains(observer.Lines, l => l.StartsWith($"Resuming from {checkpoint}: pruning phase, after prune epoch 1", StringComparison.Ordinal));
        Assert.Equal(["prune 2", "cut 0", "finetune 1"], observer.Entries.Select(e => $"{e.Phase} {e.Epoch}"));
        Assert.All(result.Budgets, b => Assert.True(b.Met));
        Assert.True(File.Exists(request.Output));
        Assert.False(File.Exists(checkpoint)); // the run ended: nothing left to resume
        Assert.Equal(["prune 1", "prune 2", "cut 0", "finetune 1"], Toolchain.Methods.Trail.Load(result.TrailPath).Entries.Select(e => $"{e.Phase} {e.Epoch}"));
    }

    [Fact]
    public void Run_MethodNotes_ArePrintedAndKeptInTheResult()
    {
        using var dir = new TempDirectory();
        var request = new PruneRequest
        {
            Model = "resnet20", Output = dir.File("small.safetensors"), Method = "hfp", Budgets = ["params=60%"], Data = "shapes10", TrainImages = 64,
            Epochs = 1, FineTuneEpochs = 0, BatchSize = 32, MeasureSeconds = 0,
        };
        var observer = new RecordingObserver();

        var result = PruneJob.Run(request, observer);

        // HFP says where it cut (during the phase, or at its end); the JSON record carries the same lines.
        var note = Assert.Single(result.Notes!, n => n.StartsWith("hfp: ", StringComparison.Ordinal));
        Assert.Contains(note, observer.Lines);
        Assert.All(result.Budgets, b => Assert.True(b.Met));
    }

    [Fact]
    public void Run_LatencyBudgetWithoutAProfile_ThrowsFileNotFoundNamingTheProfileCommandAndWritesNothing()
    {
        using var dir = new TempDirectory();
        // profiles/ holds no ort-cpu profile at batch 7.
        var request = new PruneRequest { Model = "resnet20", Output = dir.File("small.onnx"), Budgets = ["latency=50%"], Batch = 7, MeasureSeconds = 0 };

        var e = Assert.Throws<FileNotFoundException>(() => PruneJob.Run(request, new RecordingObserver()));

        Assert.Contains("latency profile for ort-cpu at batch 7", e.Message);
        Assert.Contains("'toolchain profile MODEL --engine ort-cpu --batch 7'", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Run_UnstructuredMagnitudeToOnnx_KeepsExactlyTheShare_WritesSparseInitializersThatPassParity()
    {
        using var dir = new TempDirectory();
        var request = new PruneRequest
        {
            Model = "resnet20", Output = dir.File("sparse.onnx"), Method = "l1", Sparsity = "unstructured", Budgets = ["params=10%"], MeasureSeconds = 0,
        };

        var result = PruneJob.Run(request, new RecordingObserver());

        var summary = Assert.IsType<UnstructuredSummary>(result.Unstructured);
        Assert.Equal((long)Math.Round(0.1 * summary.WeightsTotal), summary.WeightsKept);
        Assert.Null(result.Compaction);
        Assert.Equal(result.Dense.Parameters, result.Pruned.Parameters); // same shape: nothing removed from the graph
        Assert.InRange(result.Onnx!.ParityMaxAbsDiff!.Value, 0, 1e-4);    // ONNX Runtime reads the sparse initializers and agrees with the masked model
        // 10 % kept: sparse initializers (12 bytes per kept weight) make the file well under a third of the dense one.
        Assert.True(summary.FileBytes < summary.DenseOnnxBytes!.Value / 3, $"{summary.FileBytes} B sparse vs {summary.DenseOnnxBytes} B dense");
        // Our importer reads them back: the file holds exactly the kept weights.
        using var written = Toolchain.Onnx.OnnxImporter.Import(request.Output);
        Assert.Equal(summary.WeightsKept, Toolchain.Pruning.WeightMasks.NonZero(written).Kept);
        Assert.Contains(result.Budgets, b => b.Spec.ToString() == "params=10%" && b.Met && b.Value == summary.WeightsKept);
    }

    [Theory]
    [InlineData("latency=50%")]
    [InlineData("macs=40%")]
    public void Run_UnstructuredWithASpeedBudget_IsRefusedBeforeAnythingIsWritten(string budget)
    {
        using var dir = new TempDirectory();
        var request = new PruneRequest { Model = "resnet20", Output = dir.File("sparse.onnx"), Method = "ltp", Sparsity = "unstructured", Budgets = [budget], MeasureSeconds = 0 };

        var e = Assert.Throws<Toolchain.Pruning.BudgetException>(() => PruneJob.Run(request, new RecordingObserver()));

        Assert.Contains("dense kernels", e.Message);
        Assert.Contains("--sparsity structured", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    /// <summary>
    /// A model with a layer the latency profiler cannot time (ReduceMean as global pooling, as MNASNet and ShuffleNet
    /// export it): a MACs budget prunes it without a latency prediction and says why; a latency budget is refused naming the node.
    /// </summary>
    [Fact]
    public void Run_ModelTheProfilerCannotTime_PrunesToAMacsBudgetWithoutLatency_AndRefusesALatencyBudgetNamingTheNode()
    {
        using var dir = new TempDirectory();
        var model = dir.File("mean-pool.safetensors");
        using (var b = new GraphBuilder("mean-pool", [1, 3, 8, 8], seed: 1))
        {
            var x = b.Relu(b.BatchNorm(b.Conv(b.Input, 8, 3, padding: 1, bias: false, name: "stem"), "stem_bn"), "stem_relu");
            x = b.Relu(b.BatchNorm(b.Conv(x, 8, 3, padding: 1, bias: false, name: "conv"), "conv_bn"), "conv_relu");
            b.Output(b.Linear(b.ReduceMean(x, [2, 3], keepDims: false, name: "mean"), 4, name: "fc"));
            using var graph = b.Build();
            GraphFile.Save(graph, model);
        }

        var profile = Path.Combine(ProfileLocator.FindFolder()!, "ort-cpu-2core-b1.json");
        var request = new PruneRequest { Model = model, Output = dir.File("small.safetensors"), Method = "l1", Budgets = ["macs=50%"], Profile = profile, MeasureSeconds = 0 };
        var observer = new RecordingObserver();

        var result = PruneJob.Run(request, observer);

        Assert.True(result.Pruned.Macs <= result.Dense.Macs / 2);
        Assert.Null(result.Pruned.PredictedMs);
        Assert.Contains(observer.Lines, l => l.Contains("no latency prediction", StringComparison.Ordinal) && l.Contains("'mean'", StringComparison.Ordinal));

        var e = Assert.Throws<ArgumentException>(() => PruneJob.Run(request with { Budgets = ["latency=50%"], Output = dir.File("fast.safetensors") }, new RecordingObserver()));
        Assert.Contains("'mean'", e.Message);
        Assert.Contains("macs= or params=", e.Message);
        Assert.False(File.Exists(dir.File("fast.safetensors")));
    }
}
