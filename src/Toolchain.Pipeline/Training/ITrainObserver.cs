using Toolchain.Training;

namespace Toolchain.Pipeline;

/// <summary>
/// What a <see cref="TrainJob"/> tells whoever runs it, as events: the console of <c>toolchain train</c>, the pipeline's
/// train stage and its JSON lines each show them their own way.
/// </summary>
public interface ITrainObserver
{
    /// <summary>The data set is about to be opened (reading or generating it may take a while).</summary>
    void Preparing(string data);

    /// <summary>Model, data and trainer are ready; the first epoch comes next.</summary>
    void Started(TrainStart start);

    /// <summary>Runs one epoch (<paramref name="work"/>), which reports each batch to the progress it is given.</summary>
    T Epoch<T>(int epoch, int epochs, Func<IProgress<BatchProgress>, T> work);

    /// <summary>An epoch finished, was evaluated, and its checkpoint is on disk.</summary>
    void EpochDone(EpochReport report);
}
