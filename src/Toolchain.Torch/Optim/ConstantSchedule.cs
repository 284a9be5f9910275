namespace Toolchain.Torch.Optim;

/// <summary>The base rate at every step (e.g. GReg's regularization phase at a fixed lr).</summary>
public sealed record ConstantSchedule : ILearningRateSchedule
{
    public double Factor(long step) => 1;
}
