namespace Toolchain.Pipeline;

/// <summary>What a <see cref="TrainJob"/> is about to train, told once the model and data are open and before the first epoch.</summary>
/// <param name="ResumedAfter">The epochs the continued checkpoint had finished; null for a fresh run.</param>
public sealed record TrainStart(string Model, string Data, int TrainImages, int TestImages, long Parameters, long Macs, int Epochs, int FirstEpoch, int Threads,
    string Checkpoint, int? ResumedAfter);
