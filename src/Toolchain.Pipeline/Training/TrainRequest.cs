using Toolchain.Training;

namespace Toolchain.Pipeline;

/// <summary>What <see cref="TrainJob"/> trains: a model on a data set with a recipe, checkpointed to <see cref="Output"/> after every epoch.</summary>
public sealed record TrainRequest
{
    /// <summary>A zoo name (built for the data set's input and classes) or a graph file.</summary>
    public required string Model { get; init; }

    /// <summary>The data set (<see cref="DataSource.Open"/>).</summary>
    public required string Data { get; init; }

    /// <summary>The recipe. Zero epochs writes the model's initial weights as a graph file and trains nothing.</summary>
    public required TrainingOptions Options { get; init; }

    /// <summary>shapes10 only: how many training images to generate (null: its default).</summary>
    public int? TrainImages { get; init; }

    /// <summary>shapes10 only: how many test images to generate (null: its default).</summary>
    public int? TestImages { get; init; }

    /// <summary>The checkpoint written after every epoch; null: <c>runs/MODEL-DATA.safetensors</c> (or the resumed checkpoint).</summary>
    public string? Output { get; init; }

    /// <summary>
    /// A checkpoint to continue (<c>--resume</c>): its model, data and recipe are the run's (with the larger of the two
    /// epoch counts); anything it cannot continue is an error.
    /// </summary>
    public string? Resume { get; init; }

    /// <summary>
    /// Continue <see cref="Output"/> when it is an interrupted run of exactly this model, data and recipe; anything
    /// else there (a finished run, other settings, a plain graph file) is replaced by a fresh run. The pipeline's way:
    /// rerunning the same command resumes.
    /// </summary>
    public bool ContinueInterrupted { get; init; }
}
