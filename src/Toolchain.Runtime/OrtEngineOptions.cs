namespace Toolchain.Runtime;

/// <summary>ONNX Runtime's graph optimisation levels (GraphOptimizationLevel).</summary>
public enum GraphOptimization
{
    Disabled,
    Basic,
    Extended,
    All,
}

/// <summary>Where ONNX Runtime executes the model.</summary>
public enum ExecutionProvider
{
    Cpu,
    Cuda,
    TensorRt,
}

/// <summary>How an <see cref="OrtEngine"/> session is configured.</summary>
public sealed record OrtEngineOptions
{
    /// <summary>Threads inside one operator; 0 lets ONNX Runtime choose (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads across independent operators (parallel execution mode only); 0 = ONNX Runtime's default.</summary>
    public int InterOpThreads { get; init; }

    public GraphOptimization Optimization { get; init; } = GraphOptimization.All;

    /// <summary>Record per-node timings; read them with <see cref="OrtEngine.EndProfiling"/>.</summary>
    public bool EnableProfiling { get; init; }

    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;
}
