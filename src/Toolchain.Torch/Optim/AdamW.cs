namespace Toolchain.Torch.Optim;

/// <summary>
/// Adam with decoupled weight decay — the update of <c>torch.optim.AdamW</c> (amsgrad off):
/// w ·= 1 − lr·wd; m = lerp(m, g, 1−β₁); v = β₂·v + (1−β₂)·g²; w −= lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε).
/// </summary>
public sealed class AdamW : Optimizer
{
    private readonly Dictionary<Parameter, long> _steps = new(ReferenceEqualityComparer.Instance);

    public AdamW(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2)
        : this([new ParameterGroup(parameters)], learningRate, beta1, beta2, eps, weightDecay)
    {
    }

    public AdamW(IEnumerable<ParameterGroup> groups, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2)
        : base(groups, learningRate, weightDecay)
    {
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1)");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1)");
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
    }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Eps { get; }

    /// <summary>Parameters restored from a checkpoint continue from the optimizer's step count.</summary>
    protected override void OnStateImported()
    {
        foreach (var p in Parameters) _steps[p] = StepCount;
    }

    protected override void Update(Parameter parameter, Tensor grad, ParameterGroup group, Dictionary<string, Tensor> state)
    {
        var lr = group.LearningRate;
        var step = _steps.GetValueOrDefault(parameter) + 1;
        _steps[parameter] = step;

        parameter.Value.Mul_(1 - lr * group.WeightDecay!.Value);
        if (!state.TryGetValue("exp_avg", out var expAvg))
        {
            expAvg = Persistent(Tensor.Zeros(parameter.Shape, parameter.Value.DType, parameter.Value.Device));
            state["exp_avg"] = expAvg;
        }

        if (!state.TryGetValue("exp_avg_sq", out var expAvgSq))
        {
            expAvgSq = Persistent(Tensor.Zeros(parameter.Shape, parameter.Value.DType, parameter.Value.Device));
            state["exp_avg_sq"] = expAvgSq;
        }

        expAvg.Lerp_(grad, 1 - Beta1);
        expAvgSq.Mul_(Beta2).AddCMul_(grad, grad, 1 - Beta2);
        var biasCorrection1 = 1 - Math.Pow(Beta1, step);
        var biasCorrection2 = 1 - Math.Pow(Beta2, step);
        using var root = expAvgSq.Sqrt();
        using var scaled = root / Math.Sqrt(biasCorrection2);
        using var denominator = scaled + Eps;
        parameter.Value.AddCDiv_(expAvg, denominator, -lr / biasCorrection1);
    }
}
