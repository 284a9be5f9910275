using Toolchain.Pipeline;
using Toolchain.Training;

namespace Toolchain.Cli.Ui;

/// <summary><c>toolchain train</c>'s console: a progress bar per epoch, a line (and an <c>epoch</c> record for --json) after each.</summary>
internal sealed class ConsoleTrainObserver(IConsoleUi ui) : ITrainObserver
{
    private TrainStart? _start;

    public void Preparing(string data) => ui.Info($"Preparing data '{data}'…");

    public void Started(TrainStart s)
    {
        _start = s;
        ui.Info($"Training {s.Model} ({s.Parameters:N0} parameters, {s.Macs / 1e6:F1} M MACs) on {s.TrainImages:N0} images " +
                $"of {s.Data}, testing on {s.TestImages:N0}; {s.Epochs} epochs from epoch {s.FirstEpoch}, " +
                $"{s.Threads} threads. Checkpoint: {s.Checkpoint}");
    }

    public T Epoch<T>(int epoch, int epochs, Func<IProgress<BatchProgress>, T> work) =>
        ui.WithProgress($"epoch {epoch}/{epochs}", bar => work(new SyncProgress<BatchProgress>(p => bar.Update(
            $"epoch {p.Epoch}/{epochs}  loss {p.Loss:F3}  {p.ImagesPerSecond:F0} img/s", p.Batch, p.BatchesPerEpoch))));

    public void EpochDone(EpochReport r)
    {
        ui.Json(new { type = "epoch", model = _start?.Model, data = _start?.Data, r.Epoch, r.Epochs, r.LearningRate, r.TrainLoss, r.TrainAccuracy, r.TestLoss,
            r.TestTop1, r.TestTop5, r.ImagesPerSecond, r.Seconds });
        ui.Info($"epoch {r.Epoch}/{r.Epochs}: loss {r.TrainLoss:F3}, train {r.TrainAccuracy:P1}, " +
                $"test top-1 {r.TestTop1:P2} (top-5 {r.TestTop5:P2}), {r.ImagesPerSecond:F0} img/s");
    }
}
