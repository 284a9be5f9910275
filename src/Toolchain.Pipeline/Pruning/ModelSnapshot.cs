using Toolchain.Runtime;
using Toolchain.Training;

namespace Toolchain.Pipeline;

/// <summary>
/// One side of the dense-vs-pruned comparison: accuracy on the test data (null without data), counts, the latency the
/// profile predicts (null without a profile) and the latency measured on the deployed engine (null when not measured).
/// </summary>
public sealed record ModelSnapshot(EvaluationResult? Accuracy, long Parameters, long Macs, double? PredictedMs, LatencyStatistics? Measured = null);
