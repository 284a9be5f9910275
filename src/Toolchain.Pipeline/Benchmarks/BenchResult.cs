using Toolchain.Runtime;

namespace Toolchain.Pipeline;

/// <summary>
/// What <see cref="BenchJob"/> measured: the benchmark record and, with <see cref="BenchRequest.PerNode"/>, the per-node times;
/// with <see cref="BenchRequest.ParityInput"/>, the model's outputs on that input in the measured session, named as the model names them.
/// </summary>
public sealed record BenchResult(BenchRecord Benchmark, NodesRecord? Nodes, IReadOnlyList<NamedTensor>? Outputs = null);

/// <summary>A model output by its name in the model.</summary>
public sealed record NamedTensor(string Name, HostTensor Tensor);
