namespace Toolchain.Training;

/// <summary>
/// Where the trainer is when it calls an <see cref="ITrainingHook"/> during a batch.
/// </summary>
/// <param name="Trainer">The trainer running the step (its <see cref="Trainer.Optimizer"/>, <see cref="Trainer.Evaluate"/>).</param>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="BatchInEpoch">The batch within the epoch, from 1 to <paramref name="BatchesPerEpoch"/>.</param>
/// <param name="BatchesPerEpoch">Batches in every epoch.</param>
/// <param name="Iteration">
/// The optimizer step this batch makes, counted from 1 over the whole run (resumed runs continue the count): the
/// optimizer's <c>StepCount</c> after the update, so the same number in every call for one batch
/// (e.g. <c>Iteration % K == 0</c> every K steps).
/// </param>
/// <param name="Loss">The batch's cross-entropy; null before the update (known in <see cref="ITrainingHook.AfterStep"/>).</param>
/// <param name="ExtraLoss">
/// The sum of the terms hooks added (<see cref="ITrainingHook.ExtraLoss"/>); null before the update or when no hook added one.
/// </param>
public sealed record TrainingStep(
    Trainer Trainer,
    int Epoch,
    int BatchInEpoch,
    int BatchesPerEpoch,
    long Iteration,
    double? Loss = null,
    double? ExtraLoss = null);
