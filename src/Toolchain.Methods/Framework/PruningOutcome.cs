using Toolchain.Pruning;
using Toolchain.Training;

namespace Toolchain.Methods;

/// <summary>
/// What a <see cref="PruningRun"/> produced: the final masks and widths, the verified compaction, the fine-tuning epochs
/// and the trail. Unstructured runs keep every width, have no compaction (null) and carry their <see cref="Weights"/>.
/// </summary>
public sealed record PruningOutcome(
    string Method,
    GroupMasks Masks,
    IReadOnlyList<int> Widths,
    VerifiedCompaction? Compaction,
    IReadOnlyList<EpochReport> FineTuning,
    Trail Trail,
    WeightMasks? Weights = null);
