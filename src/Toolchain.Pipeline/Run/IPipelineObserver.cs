namespace Toolchain.Pipeline;

/// <summary>
/// What <see cref="PipelineRunner"/> tells whoever runs it: each stage as it starts and ends, the train stage's
/// events (<see cref="ITrainObserver"/>), the prune stage's lines and trail (<see cref="IPruneObserver"/>), and the
/// benchmark's progress.
/// </summary>
public interface IPipelineObserver : IPruneObserver, ITrainObserver
{
    /// <summary>A stage (<c>train</c>, <c>prune</c>, <c>benchmark</c>) starts.</summary>
    void StageStarted(string stage);

    /// <summary>A stage ended: how (ran, reused, resumed, given) and how long it took.</summary>
    void StageFinished(StageStatus stage);
}
