using Toolchain.Runtime;

namespace Toolchain.Pipeline;

/// <summary><c>bench --per-node</c>'s second record: every node's mean time from ONNX Runtime's profiler, slowest first.</summary>
public sealed record NodesRecord
{
    public string Type => "nodes";

    /// <summary>Profiled runs (warm-up included) the means are taken over.</summary>
    public required int Runs { get; init; }

    public required IReadOnlyList<NodeTiming> Nodes { get; init; }
}
