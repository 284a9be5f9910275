using Toolchain.Graph;
using Toolchain.Torch;
using Toolchain.Training;

namespace Toolchain.Pipeline;

/// <summary>
/// Trains a model (<see cref="Trainer"/>: SGD momentum, warm-up + cosine, evaluation after every epoch), writing its
/// checkpoint atomically after every epoch so an interrupted run continues exactly (<see cref="TrainRequest.Resume"/>,
/// <see cref="TrainRequest.ContinueInterrupted"/>). <c>toolchain train</c> and the pipeline's train stage both run it.
/// A cancelled <c>cancellation</c> stops it between batches with <see cref="OperationCanceledException"/>; the last
/// finished epoch's checkpoint stays intact.
/// </summary>
public static class TrainJob
{
    public static TrainResult Run(TrainRequest request, ITrainObserver observer, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(observer);
        var (model, dataSpec, options, output) = (request.Model, request.Data, request.Options, request.Output);
        if (options.Epochs > 0 || request.Resume is not null) options.Validate(); // 0 epochs: the initial weights, nothing to train

        ModelGraph? graph = null;
        Checkpoint.State? state = null;
        IReadOnlyDictionary<string, Tensor> optimizerState = new Dictionary<string, Tensor>();
        if (request.Resume is { } resume)
        {
            var loaded = Checkpoint.Load(resume);
            if (loaded.State is null)
            {
                Release(loaded.File.Graph, loaded.OptimizerState);
                throw new InvalidDataException($"'{resume}' is a graph file without training state; it cannot be resumed");
            }

            (graph, state, optimizerState) = (loaded.File.Graph, loaded.State, loaded.OptimizerState);
            (model, dataSpec) = (state.Model, state.Data);
            options = state.Options with { Epochs = Math.Max(options.Epochs, state.Options.Epochs) };
            output ??= resume;
        }
        else if (request.ContinueInterrupted && output is not null && File.Exists(output) && options.Epochs > 0)
        {
            // An interrupted run of the same settings continues; anything else starts anew.
            var loaded = Checkpoint.Load(output);
            if (loaded.State is { } s && s.Model == model && s.Data == dataSpec && s.Options == options && s.EpochsCompleted < options.Epochs)
            {
                (graph, state, optimizerState) = (loaded.File.Graph, s, loaded.OptimizerState);
            }
            else
            {
                Release(loaded.File.Graph, loaded.OptimizerState);
            }
        }

        try
        {
            observer.Preparing(dataSpec);
            var data = DataSource.Open(dataSpec, options.Seed, request.TrainImages, request.TestImages);
            graph ??= ModelResolver.Open(model, data.NumClasses, (ulong)options.Seed, zooInput: data.InputShape);
            output ??= DefaultOutput(model, dataSpec);
            if (options.Epochs == 0)
            {
                GraphFile.Save(graph, output);
                return new TrainResult(model, data.Name, data.NumClasses, output, [], Resumed: false);
            }

            using var trainer = new Trainer(graph, model, data, options);
            if (state is not null) trainer.Resume(state, optimizerState);
            observer.Started(new TrainStart(model, data.Name, data.Train.Count, data.Test.Count, graph.ParameterCount, graph.Macs, options.Epochs,
                trainer.EpochsCompleted + 1, Libtorch.Threads, output, state?.EpochsCompleted));
            using var epochs = trainer.Run(output, cancellation).GetEnumerator();
            for (var epoch = trainer.EpochsCompleted + 1; epoch <= options.Epochs; epoch++)
            {
                observer.Epoch(epoch, options.Epochs, progress =>
                {
                    trainer.Progress = progress;
                    return epochs.MoveNext();
                });
                observer.EpochDone(epochs.Current);
            }

            return new TrainResult(model, data.Name, data.NumClasses, output, trainer.History.ToList(), Resumed: state is not null);
        }
        finally
        {
            graph?.Dispose();
        }
    }

    /// <summary>Where <c>toolchain train</c> writes without <c>--out</c>: <c>runs/MODEL-DATA.safetensors</c>.</summary>
    public static string DefaultOutput(string model, string data) =>
        Path.Combine("runs", $"{Path.GetFileNameWithoutExtension(model)}-{SafeName(data)}.safetensors");

    private static string SafeName(string spec) => string.Concat(spec.Select(c => char.IsLetterOrDigit(c) ? c : '_')).Trim('_');

    private static void Release(ModelGraph graph, IReadOnlyDictionary<string, Tensor> optimizerState)
    {
        graph.Dispose();
        foreach (var tensor in optimizerState.Values) tensor.Dispose();
    }
}
