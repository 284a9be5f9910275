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

/// <summary>When ONNX Runtime's idle worker threads busy-wait (spin) for the next piece of work.</summary>
public enum ThreadSpinning
{
    /// <summary>ONNX Runtime's default: they keep spinning for a while after a run returns, so back-to-back runs of one session start hot.</summary>
    Always,

    /// <summary>
    /// They spin while a run is in progress and sleep once it returns (session.force_spinning_stop). A run is as fast
    /// as with <see cref="Always"/>, and sessions that are alive but idle take no CPU from the one running — with
    /// <see cref="Always"/>, measuring several sessions in turn on a 2-core machine spread one model's latency over
    /// ±10 % depending on the session (six sessions of one ResNet-20 measured in turn: 0.34–0.42 ms with Always,
    /// 0.334–0.339 ms with DuringRun).
    /// </summary>
    DuringRun,

    /// <summary>They never spin: least CPU, but every parallel section pays a wake-up (ResNet-20: ~25 % slower).</summary>
    Never,
}

/// <summary>How an <see cref="OrtEngine"/> session is configured.</summary>
public sealed record OrtEngineOptions
{
    /// <summary>Threads inside one operator; 0 lets ONNX Runtime choose (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads across independent operators (parallel execution mode only); 0 = ONNX Runtime's default.</summary>
    public int InterOpThreads { get; init; }

    /// <summary>When idle intra-op threads busy-wait for work instead of sleeping.</summary>
    public ThreadSpinning Spinning { get; init; } = ThreadSpinning.Always;

    public GraphOptimization Optimization { get; init; } = GraphOptimization.All;

    /// <summary>Record per-node timings; read them with <see cref="OrtEngine.EndProfiling"/>.</summary>
    public bool EnableProfiling { get; init; }

    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;
}
