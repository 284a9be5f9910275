namespace Toolchain.Pipeline;

/// <summary>What <see cref="BenchJob"/> measured: the benchmark record and, with <see cref="BenchRequest.PerNode"/>, the per-node times.</summary>
public sealed record BenchResult(BenchRecord Benchmark, NodesRecord? Nodes);
