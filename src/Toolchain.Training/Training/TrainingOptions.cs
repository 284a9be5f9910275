namespace Toolchain.Training;

/// <summary>
/// The training recipe: SGD with momentum, linear warm-up then cosine decay (per iteration), weight decay and
/// label smoothing. Defaults are the usual CIFAR recipe.
/// </summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 5;
    public int BatchSize { get; init; } = 128;
    public double LearningRate { get; init; } = 0.1;
    public double Momentum { get; init; } = 0.9;
    public bool Nesterov { get; init; }
    public double WeightDecay { get; init; } = 5e-4;
    public double LabelSmoothing { get; init; }

    /// <summary>Epochs of linear warm-up from 10 % of the rate (fractions allowed).</summary>
    public double WarmupEpochs { get; init; } = 1;

    /// <summary>Seeds weight initialisation's successors: batch order and augmentation.</summary>
    public int Seed { get; init; }

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "need at least one epoch");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "batch size must be positive");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "learning rate must be positive");
        if (LabelSmoothing is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), LabelSmoothing, "label smoothing must be in [0, 1)");
        if (WarmupEpochs < 0 || WarmupEpochs > Epochs) throw new ArgumentOutOfRangeException(nameof(WarmupEpochs), WarmupEpochs, $"warm-up must be within 0..{Epochs} epochs");
    }
}
