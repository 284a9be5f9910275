using Toolchain.Graph;
using Toolchain.Torch;

namespace Toolchain.Runtime;

/// <summary>
/// The libtorch eager executor behind <see cref="IInferenceEngine"/>: runs a <see cref="ModelGraph"/> in eval mode
/// without autograd. The batch dimension is dynamic; the others are the graph's input shape. Runs are serialised
/// (the executor is not re-entrant); libtorch parallelises inside each op.
/// </summary>
public sealed class TorchEngine : IInferenceEngine
{
    private readonly ModelGraph _graph;
    private readonly bool _ownsGraph;
    private readonly Lock _lock = new();

    /// <param name="graph">The model; switched to eval mode.</param>
    /// <param name="ownsGraph">Dispose <paramref name="graph"/> with this engine.</param>
    public TorchEngine(ModelGraph graph, bool ownsGraph = false)
    {
        ArgumentNullException.ThrowIfNull(graph);
        _graph = graph;
        _ownsGraph = ownsGraph;
        _graph.Training = false;
        Inputs = [new TensorSpec(graph.InputName, "float32", WithDynamicBatch(graph.InputShape))];
        Outputs = graph.OutputNames.Select(o => new TensorSpec(o, "float32", WithDynamicBatch(graph.ShapeOf(o)))).ToArray();
    }

    public string Name => Engines.Torch.Name;

    public IReadOnlyList<TensorSpec> Inputs { get; }

    public IReadOnlyList<TensorSpec> Outputs { get; }

    private static long[] WithDynamicBatch(long[] shape)
    {
        var result = (long[])shape.Clone();
        if (result.Length > 0) result[0] = -1;
        return result;
    }

    public IReadOnlyList<HostTensor> Run(IReadOnlyList<HostTensor> inputs)
    {
        EngineInputs.Validate($"{Name} '{_graph.Name}'", Inputs, inputs);
        lock (_lock)
        {
            return RunLocked(inputs[0]);
        }
    }

    private HostTensor[] RunLocked(HostTensor input)
    {
        // Eval mode every time: the caller may have flipped the graph to training since.
        _graph.Training = false;
        using var scope = DisposeScope.Enter();
        using var noGrad = Libtorch.NoGrad();
        var x = Tensor.FromArray(input.Data, input.Shape);
        return _graph.ForwardAll(x).Select(y => new HostTensor(y.Shape, y.ToArray<float>())).ToArray();
    }

    public void Dispose()
    {
        if (_ownsGraph) _graph.Dispose();
    }
}
