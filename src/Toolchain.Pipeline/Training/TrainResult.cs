using Toolchain.Training;

namespace Toolchain.Pipeline;

/// <summary>What a <see cref="TrainJob"/> did: plain data (the job disposed its model before returning).</summary>
/// <param name="Checkpoint">The file written: the last epoch's checkpoint, or the initial weights for zero epochs.</param>
/// <param name="History">Every epoch's report, the resumed run's included; empty for zero epochs.</param>
/// <param name="Resumed">Whether an interrupted run was continued.</param>
public sealed record TrainResult(string Model, string Data, int NumClasses, string Checkpoint, IReadOnlyList<EpochReport> History, bool Resumed);
