using Toolchain.Training;
using Toolchain.TestSupport;

namespace Toolchain.Pipeline.Tests;

/// <summary>The training workflow without the command line: what it writes, how it continues, what it reports.</summary>
public sealed class TrainJobTests
{
    /// <summary>Keeps the job's events; <see cref="OnEpoch"/> lets a test interrupt it after an epoch.</summary>
    private sealed class Recorder : ITrainObserver
    {
        public List<string> Events { get; } = [];

        public Action<EpochReport>? OnEpoch { get; init; }

        public void Preparing(string data) => Events.Add($"preparing {data}");

        public void Started(TrainStart start) => Events.Add($"started at epoch {start.FirstEpoch} of {start.Epochs}" + (start.ResumedAfter is { } n ? $", resumed after {n}" : ""));

        public T Epoch<T>(int epoch, int epochs, Func<IProgress<BatchProgress>, T> work)
        {
            var batches = 0;
            var result = work(new SyncProgress<BatchProgress>(_ => batches++));
            Events.Add($"epoch {epoch}/{epochs}: {batches} batches");
            return result;
        }

        public void EpochDone(EpochReport report)
        {
            Events.Add($"done {report.Epoch}");
            OnEpoch?.Invoke(report);
        }
    }

    private static TrainRequest Request(string output, int epochs = 2) => new()
    {
        Model = "resnet20", Data = DataSource.Shapes10Name, TrainImages = 64, TestImages = 20, Output = output, ContinueInterrupted = true,
        Options = new TrainingOptions { Epochs = epochs, BatchSize = 32, WarmupEpochs = 1 },
    };

    [Fact]
    public void Run_InterruptedAfterAnEpoch_ContinuesFromItsCheckpoint_AndOtherSettingsStartAnew()
    {
        using var dir = new TempDirectory();
        var output = dir.File("dense.safetensors");
        using var cancel = new CancellationTokenSource();
        var stopping = new Recorder { OnEpoch = _ => cancel.Cancel() }; // the epoch's checkpoint is on disk when it is reported

        Assert.ThrowsAny<OperationCanceledException>(() => TrainJob.Run(Request(output), stopping, cancel.Token));
        Assert.Equal(["preparing shapes10", "started at epoch 1 of 2", "epoch 1/2: 2 batches", "done 1"], stopping.Events);
        Assert.True(File.Exists(output));

        var observer = new Recorder();
        var result = TrainJob.Run(Request(output), observer);

        Assert.True(result.Resumed);
        Assert.Equal(["preparing shapes10", "started at epoch 2 of 2, resumed after 1", "epoch 2/2: 2 batches", "done 2"], observer.Events);
        Assert.Equal([1, 2], result.History.Select(r => r.Epoch));
        Assert.Equal((output, 10), (result.Checkpoint, result.NumClasses));

        // A finished run, or one of other settings, is not continued: it trains anew.
        var again = TrainJob.Run(Request(output, epochs: 1), new Recorder());
        Assert.False(again.Resumed);
        Assert.Equal([1], again.History.Select(r => r.Epoch));
    }

    [Fact]
    public void Run_ZeroEpochs_WritesTheInitialWeightsAsAGraphFile()
    {
        using var dir = new TempDirectory();
        var observer = new Recorder();
        var result = TrainJob.Run(Request(dir.File("init.safetensors"), epochs: 0), observer);

        Assert.Empty(result.History);
        Assert.Equal(["preparing shapes10"], observer.Events);
        using var file = Toolchain.Graph.GraphFile.Load(result.Checkpoint);
        Assert.Equal(10, file.Graph.OutputShape[^1]);
    }
}
