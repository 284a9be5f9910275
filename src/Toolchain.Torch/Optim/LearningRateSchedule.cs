namespace Toolchain.Torch.Optim;

/// <summary>
/// A learning-rate schedule: the factor applied to each group's base rate at a step (an epoch or an iteration,
/// as the caller counts). Apply with <see cref="Optimizer.SetLearningRateFactor"/>.
/// </summary>
public interface ILearningRateSchedule
{
    double Factor(long step);
}

/// <summary>Multiplies by <paramref name="gamma"/> every <paramref name="stepSize"/> steps (PyTorch's StepLR).</summary>
public sealed record StepSchedule(long StepSize, double Gamma = 0.1) : ILearningRateSchedule
{
    public double Factor(long step) => Math.Pow(Gamma, step / StepSize);
}

/// <summary>Multiplies by <paramref name="Gamma"/> at each milestone passed (PyTorch's MultiStepLR).</summary>
public sealed record MultiStepSchedule(IReadOnlyList<long> Milestones, double Gamma = 0.1) : ILearningRateSchedule
{
    public double Factor(long step) => Math.Pow(Gamma, Milestones.Count(m => step >= m));
}

/// <summary>
/// Half-cosine from 1 to <paramref name="MinFactor"/> over <paramref name="TotalSteps"/> (PyTorch's
/// CosineAnnealingLR with eta_min = MinFactor·base): f = m + (1 − m)(1 + cos(π·t/T))/2.
/// </summary>
public sealed record CosineSchedule(long TotalSteps, double MinFactor = 0) : ILearningRateSchedule
{
    public double Factor(long step)
    {
        var t = Math.Clamp(step, 0, TotalSteps);
        return MinFactor + (1 - MinFactor) * (1 + Math.Cos(Math.PI * t / TotalSteps)) / 2;
    }
}

/// <summary>
/// Linear warm-up from <paramref name="StartFactor"/> to 1 over <paramref name="WarmupSteps"/>, then
/// <paramref name="After"/> counted from the end of the warm-up.
/// </summary>
public sealed record WarmupSchedule(long WarmupSteps, ILearningRateSchedule After, double StartFactor = 0.1) : ILearningRateSchedule
{
    public double Factor(long step) => step < WarmupSteps
        ? StartFactor + (1 - StartFactor) * step / WarmupSteps
        : After.Factor(step - WarmupSteps);
}
