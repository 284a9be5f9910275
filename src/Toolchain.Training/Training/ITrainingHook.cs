using Toolchain.Torch;

namespace Toolchain.Training;

/// <summary>
/// Code a pruning method runs inside <see cref="Trainer"/>'s loop: extra loss terms, gradient inspection, work after
/// every optimizer step and after every epoch. Every member has an empty default, so a hook implements only what it
/// needs. Hooks run in the order of <see cref="Trainer.Hooks"/>, on the training thread, each call inside a dispose
/// scope: tensors a hook creates are freed when the call returns unless it keeps them with
/// <see cref="Tensor.DetachFromScope"/> (<see cref="Parameter.Mask"/> and <see cref="Parameter.Replace"/> do so
/// themselves). Hooks are not checkpointed: a hook with state saves and restores it itself.
/// <para>
/// One batch runs: learning rate set → forward → cross-entropy → <see cref="ExtraLoss"/> → backward →
/// <see cref="AfterBackward"/> → optimizer step (gradient terms, masks, update) → <see cref="AfterStep"/>.
/// One epoch runs: its batches → test-set evaluation → <see cref="AfterEpoch"/> → checkpoint.
/// </para>
/// </summary>
public interface ITrainingHook
{
    /// <summary>
    /// Called after the forward pass, inside the step's dispose scope. A returned scalar (e.g. a differentiable latency
    /// penalty) is added to the loss before backward; null adds nothing. The training loss the trainer reports
    /// (<see cref="EpochReport.TrainLoss"/>, <see cref="BatchProgress.Loss"/>) stays the cross-entropy alone, so runs with
    /// and without a penalty compare; the sum of the hooks' terms is reported as <see cref="TrainingStep.ExtraLoss"/>.
    /// </summary>
    Tensor? ExtraLoss(TrainingStep step, Tensor logits) => null;

    /// <summary>
    /// Called after backward and before the optimizer update: <see cref="Parameter.Grad"/> holds the raw gradients
    /// (extra losses included; <see cref="Toolchain.Torch.Optim.Optimizer.GradientTerms"/> and masks not yet applied).
    /// </summary>
    void AfterBackward(TrainingStep step)
    {
    }

    /// <summary>Called after the optimizer update, with <see cref="TrainingStep.Loss"/> known.</summary>
    void AfterStep(TrainingStep step)
    {
    }

    /// <summary>
    /// Called after the epoch's test-set evaluation (<paramref name="report"/> measures the model before this call)
    /// and before its checkpoint is written, so changes a hook makes here (masks, weights) are in that checkpoint.
    /// <see cref="Trainer.History"/> and <see cref="Trainer.EpochsCompleted"/> already include this epoch.
    /// </summary>
    void AfterEpoch(EpochReport report)
    {
    }
}
