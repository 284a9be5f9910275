using Toolchain.Graph;
using Toolchain.Pruning;
using Toolchain.Torch;
using Toolchain.Training;

namespace Toolchain.Methods;

/// <summary>
/// LTP, unstructured (the paper's method): every conv and linear weight w_l gets a learned threshold τ_l; the forward
/// uses v = w · σ((w² − τ_l)/T_l) while training and v = w · [w² &gt; τ_l] while evaluating, with T_l = T₀ · Var(|w_l|)
/// taken at each forward, and the loss gains λ · Σ_l Σ σ((w² − τ_l)/T_l) (<see cref="ExtraLoss"/>). w² is detached
/// inside the sigmoid (<see cref="LtpGate"/>). BatchNorm parameters and biases are left alone.
/// </summary>
public sealed class LtpWeights : LtpThresholds
{
    private readonly List<(Parameter Weight, Parameter Threshold)> _layers = [];

    public LtpWeights(ModelGraph graph, LtpSettings settings, long keep)
        : base(graph, settings)
    {
        Keep = keep;
        foreach (var weight in PrunableWeights.Of(graph))
        {
            var threshold = AddThreshold(weight.Name);
            _layers.Add((weight, threshold));
            graph.SetParameterTransform(weight.Name, (value, training) => Mask(value, threshold.Value, training));
        }
    }

    /// <summary>The budget: weights the final mask keeps.</summary>
    public long Keep { get; }

    private Tensor Mask(Tensor value, Tensor threshold, bool training)
    {
        using var squared = value.Detach().Square();
        using var gate = training ? SoftGate(value, squared, threshold) : LtpGate.Hard(squared, threshold);
        return value * gate;
    }

    private Tensor SoftGate(Tensor value, Tensor squared, Tensor threshold)
    {
        using var temperature = LtpGate.Temperature(value, Settings.TemperatureScale);
        return LtpGate.Soft(squared, threshold, temperature);
    }

    /// <summary>λ · Σ_l Σ σ((w² − τ_l)/T_l): the expected number of kept weights, differentiable in τ.</summary>
    public override Tensor? ExtraLoss(TrainingStep step, Tensor logits)
    {
        if (Settings.Lambda == 0) return null;
        Tensor? sum = null;
        foreach (var (weight, threshold) in _layers)
        {
            using var squared = weight.Value.Detach().Square();
            using var gate = SoftGate(weight.Value, squared, threshold.Value);
            var count = gate.Sum();
            sum = sum is null ? count : sum + count; // the step's scope owns the partial sums
        }

        return sum! * Settings.Lambda;
    }

    /// <summary>Weights the hard mask keeps now (w² &gt; τ_l).</summary>
    public long HardKept()
    {
        long kept = 0;
        foreach (var (weight, threshold) in _layers)
        {
            using var scope = DisposeScope.Enter();
            kept += (long)LtpGate.Hard(weight.Value.Detach().Square(), threshold.Value).Sum().Item();
        }

        return kept;
    }

    protected override bool HardMaskMeetsBudget() => HardKept() <= Keep;

    /// <summary>
    /// Exactly <see cref="Keep"/> weights: the highest gate logits (w² − τ_l)/T_l over all layers (dimensionless, so they
    /// compare across layers). When the hard mask keeps at most that many, this is the hard mask plus the weights
    /// closest to their thresholds; otherwise the cut goes deeper than the thresholds learned.
    /// </summary>
    public WeightMasks FinalMasks()
    {
        var logits = new Dictionary<Parameter, float[]>();
        foreach (var (weight, threshold) in _layers)
        {
            using var scope = DisposeScope.Enter();
            var temperature = LtpGate.Temperature(weight.Value, Settings.TemperatureScale);
            logits[weight] = ((weight.Value.Detach().Square() - threshold.Value.Detach()) / temperature).ToArray<float>();
        }

        return WeightMasks.TopByScore(_layers.Select(l => l.Weight).ToList(), p => logits[p], Keep);
    }
}
