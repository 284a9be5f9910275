namespace Toolchain.Training;

/// <summary>What one finished epoch measured. Epochs count from 1.</summary>
public sealed record EpochReport(
    int Epoch,
    int Epochs,
    double LearningRate,
    double TrainLoss,
    double TrainAccuracy,
    double TestLoss,
    double TestTop1,
    double TestTop5,
    double ImagesPerSecond,
    double Seconds);

/// <summary>Progress inside an epoch, reported after every batch.</summary>
public sealed record BatchProgress(int Epoch, int Batch, int BatchesPerEpoch, double Loss, double ImagesPerSecond);

/// <summary>Accuracy of a model on a dataset.</summary>
public sealed record EvaluationResult(int Samples, double Loss, double Top1, double Top5);
