namespace Toolchain.Methods;

/// <summary>
/// Learned threshold pruning's constants. The paper (Azarian et al., 2020) gives none of these values (METHODS.md §4):
/// the defaults are OURS. <see cref="Lambda"/> weighs the differentiable L0 term λ·Σ_l Σ σ((w² − τ_l)/T_l) (summed,
/// not averaged, so big layers feel it most, as in the paper); the temperature is T_l = <see cref="TemperatureScale"/>
/// · Var(|w_l|) (the paper's T₀); τ_l starts at <see cref="ThresholdInit"/> (0: the hard mask keeps every non-zero
/// weight) and learns by plain SGD with its own <see cref="ThresholdLearningRate"/> and no weight decay (third-party
/// code uses ~1e-6, since τ lives on the scale of w² ~ 1e-4 … 1e-2).
/// Structured (our extension) the same knobs apply per channel group, with the budget penalty's weight
/// <see cref="PenaltyWeight"/> (HFP's <see cref="BudgetPenalty"/>) instead of λ; with <see cref="CutWhenMet"/> the
/// channels over their thresholds are cut as soon as they meet every budget, as HFP's are, and the rest of the phase
/// trains the pruned network; with <see cref="RefillCut"/> that cut is first widened by what the budgets still leave,
/// as HFP's is (<see cref="HfpSettings.RefillCut"/>); with <see cref="ShareOfKept"/> the penalty's push on a group's τ
/// is scaled by the share of its channels it still keeps, as HFP's (<see cref="HfpSettings.ShareOfKept"/>).
/// </summary>
public sealed record LtpSettings(double Lambda = 1e-6, double TemperatureScale = 0.5, double ThresholdLearningRate = 1e-6, double ThresholdInit = 0,
    double PenaltyWeight = 2, bool CutWhenMet = true, bool RefillCut = true, bool ShareOfKept = true)
{
    public void Validate()
    {
        if (!(Lambda >= 0 && double.IsFinite(Lambda))) throw new ArgumentException($"LTP's L0 weight λ must be ≥ 0 (got {Lambda}; --ltp-lambda)");
        if (!(TemperatureScale > 0 && double.IsFinite(TemperatureScale))) throw new ArgumentException($"LTP's temperature scale T₀ must be positive (got {TemperatureScale}; --ltp-t0)");
        if (!(ThresholdLearningRate > 0 && double.IsFinite(ThresholdLearningRate))) throw new ArgumentException($"LTP's threshold learning rate must be positive (got {ThresholdLearningRate}; --ltp-tau-lr)");
        if (!double.IsFinite(ThresholdInit)) throw new ArgumentException($"LTP's initial threshold must be finite (got {ThresholdInit}; --ltp-tau-init)");
        if (!(PenaltyWeight > 0)) throw new ArgumentException($"LTP's structured budget penalty weight must be positive (got {PenaltyWeight})");
    }
}
