using Toolchain.Runtime;

namespace Toolchain.Pipeline;

/// <summary>
/// What <see cref="BenchJob"/> measures: <c>toolchain bench</c>'s options, whether they came from the command line or from a
/// device agent's job (the agent validates them before queueing, so a bad setting is refused before any upload waits).
/// </summary>
public sealed record BenchRequest
{
    /// <summary>Zoo name, graph file, checkpoint or .onnx file.</summary>
    public required string Model { get; init; }

    /// <summary>The name the results show for the model; null: <see cref="Model"/> (an agent's upload sits at a private path the user never typed).</summary>
    public string? DisplayName { get; init; }

    public string Engine { get; init; } = Engines.OrtCpu.Name;

    public int Batch { get; init; } = 1;

    /// <summary>Untimed runs before measuring.</summary>
    public int Warmup { get; init; } = 10;

    /// <summary>Timed runs; null: 100 unless <see cref="DurationSeconds"/> is given.</summary>
    public int? Iterations { get; init; }

    /// <summary>Measure for this many seconds instead of a run count.</summary>
    public double? DurationSeconds { get; init; }

    /// <summary>Intra-op threads for ONNX Runtime (0: its default).</summary>
    public int Threads { get; init; }

    /// <summary>N×C×H×W for ONNX files whose sizes are dynamic.</summary>
    public long[]? InputShape { get; init; }

    /// <summary>Also time every node with ONNX Runtime's profiler, in a separate session.</summary>
    public bool PerNode { get; init; }

    /// <summary>
    /// Run the model once on this tensor in the measured session, after the timed runs, and return its outputs
    /// (<see cref="BenchResult.Outputs"/>): what a parity check compares with another engine. Null: no such run.
    /// </summary>
    public HostTensor? ParityInput { get; init; }

    public string Name => DisplayName ?? Model;

    /// <summary>The timed runs the measurement records when neither a count nor a duration is given.</summary>
    public const int DefaultIterations = 100;

    /// <summary>Checks every setting before any work; the messages name the command-line options (the agent's settings carry the same names).</summary>
    /// <exception cref="ArgumentException">An impossible setting or an engine that cannot run models.</exception>
    public void Validate()
    {
        if (Batch < 1) throw new ArgumentException($"--batch must be at least 1 (got {Batch})");
        if (Warmup < 0) throw new ArgumentException($"--warmup cannot be negative (got {Warmup})");
        if (Iterations is < 1) throw new ArgumentException($"--iterations must be at least 1 (got {Iterations})");
        if (DurationSeconds is { } s && !(s > 0 && double.IsFinite(s))) throw new ArgumentException($"--duration must be positive (got {DurationSeconds})");
        if (Iterations is not null && DurationSeconds is not null) throw new ArgumentException("give --iterations or --duration, not both");
        if (Threads < 0) throw new ArgumentException($"--threads cannot be negative (got {Threads})");
        var engine = EngineFactory.Validate(Engine);
        if (PerNode && engine.Backend != EngineBackend.OnnxRuntime)
        {
            throw new ArgumentException($"--per-node needs an ONNX Runtime engine ({string.Join(", ", Engines.Deployable.Where(e => e.Backend == EngineBackend.OnnxRuntime))})");
        }
    }
}
