using Toolchain.Graph;
using Toolchain.Pruning;

namespace Toolchain.Methods;

/// <summary>
/// Network slimming (Liu et al., 2017): train with an L1 penalty on every BatchNorm scale (<see cref="SlimmingTerm"/>,
/// γ.grad += s·sign(γ)), then cut the channels of smallest |γ| under one global threshold until the budgets hold,
/// keeping at least one channel per group. The threshold by budget (params, MACs, latency) instead of a fixed
/// quantile is our extension.
/// </summary>
public sealed class SlimmingMethod(double strength) : IPruningMethod
{
    public string Name => "slim";

    public string Description =>
        $"network slimming (Liu et al. 2017; s = {strength:G3}): L1 on BatchNorm γ while training, then a global |γ| threshold set by the budgets (our extension), ≥ 1 channel per group";

    public GroupMasks Prune(PruningContext context)
    {
        var graph = context.Graph;
        var scales = graph.Nodes.Where(n => n.Op == OpKind.BatchNorm).Select(n => n.TensorName(TensorRole.Weight) is { } name ? graph.FindParameter(name) : null)
            .OfType<Torch.Parameter>().ToList();
        if (scales.Count == 0) throw new ArgumentException($"network slimming needs BatchNorm layers; '{graph.Name}' has none");

        var slimming = new SlimmingTerm(scales, strength);
        if (context.Epochs > 0)
        {
            using var trainer = context.CreateTrainer();
            trainer.Optimizer.GradientTerms.Add(slimming);
            // The γ term keeps no state: weights, optimizer and trail are all a resume needs.
            foreach (var _ in context.Train(trainer, _ => context.GammaThreshold().Widths()))
            {
            }
        }

        // One global threshold on raw |γ|, as the authors cut.
        var final = context.GammaThreshold();
        if (context.Epochs == 0) context.Record("prune", 0, final.Widths(), report: null);
        return final;
    }
}
