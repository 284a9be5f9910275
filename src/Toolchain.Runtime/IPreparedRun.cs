namespace Toolchain.Runtime;

/// <summary>
/// An engine bound to one set of inputs and run on them again and again: what latency loops time. An engine can keep
/// its native input and output tensors from run to run (ONNX Runtime does), so a timed run is the model and nothing
/// else — no per-run tensor creation, allocation or output copy. Not for concurrent use; dispose it before its engine.
/// </summary>
public interface IPreparedRun : IDisposable
{
    /// <summary>Runs the engine on the bound inputs; <see cref="Outputs"/> then holds this run's results.</summary>
    void Run();

    /// <summary>The last run's outputs (overwritten by the next run; empty before the first).</summary>
    IReadOnlyList<HostTensor> Outputs { get; }
}

/// <summary>The fallback for engines without reusable native buffers: each run is an ordinary <see cref="IInferenceEngine.Run"/>.</summary>
internal sealed class RepeatedRun(IInferenceEngine engine, IReadOnlyList<HostTensor> inputs) : IPreparedRun
{
    private readonly HostTensor[] _inputs = [.. inputs];

    public IReadOnlyList<HostTensor> Outputs { get; private set; } = [];

    public void Run() => Outputs = engine.Run(_inputs);

    public void Dispose()
    {
    }
}
