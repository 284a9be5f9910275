using Toolchain.Methods;
using Toolchain.Pipeline;
using Toolchain.Pruning;
using Toolchain.Training;

namespace Toolchain.Cli.Ui;

/// <summary>
/// <c>toolchain run</c>'s console: the prune stage as <c>toolchain prune</c> shows it (<see cref="ConsolePruneObserver"/>), the
/// train stage's epochs as lines prefixed "train", and for --json a <c>stage</c> record when each stage starts
/// (<c>status</c> "running") and ends (ran, reused, resumed or given), and an <c>epoch</c> record per training epoch.
/// </summary>
internal sealed class ConsoleRunObserver(IConsoleUi ui) : IPipelineObserver
{
    private readonly ConsolePruneObserver _prune = new(ui);
    private TrainStart? _train;

    public void Info(string message) => _prune.Info(message);

    public T WithProgress<T>(string title, Func<IProgressBar, T> work) => _prune.WithProgress(title, work);

    public void Entry(TrailEntry entry, BudgetSet budgets) => _prune.Entry(entry, budgets);

    public void StageStarted(string stage) => ui.Json(new { type = "stage", stage, status = "running" });

    public void StageFinished(StageStatus stage) => ui.Json(new { type = "stage", stage = stage.Name, status = stage.Status, seconds = stage.Seconds });

    public void Preparing(string data)
    {
    }

    public void Started(TrainStart s)
    {
        _train = s;
        if (s.ResumedAfter is { } done) ui.Info($"train: resuming {s.Checkpoint} after epoch {done} of {s.Epochs}");
        ui.Info($"train: {s.Model} on {s.Data}, {s.Epochs} epochs (checkpoint {s.Checkpoint})");
    }

    public T Epoch<T>(int epoch, int epochs, Func<IProgress<BatchProgress>, T> work) =>
        ui.WithProgress("train", bar => work(new SyncProgress<BatchProgress>(p => bar.Update(
            $"train epoch {p.Epoch}/{epochs}  loss {p.Loss:F3}  {p.ImagesPerSecond:F0} img/s", p.Batch, p.BatchesPerEpoch))));

    public void EpochDone(EpochReport r)
    {
        ui.Json(new { type = "epoch", stage = "train", model = _train?.Model, data = _train?.Data, r.Epoch, r.Epochs, r.LearningRate, r.TrainLoss, r.TrainAccuracy,
            r.TestLoss, r.TestTop1, r.TestTop5, r.ImagesPerSecond, r.Seconds });
        ui.Info($"train epoch {r.Epoch}/{r.Epochs}: loss {r.TrainLoss:F3}, test top-1 {r.TestTop1:P2}");
    }
}
