using Toolchain.Torch;

namespace Toolchain.Methods;

/// <summary>
/// LTP's soft mask, one formula in one place (METHODS.md §4): the gate σ((s − τ)/T) of a score s (w² for a weight,
/// ‖w_f‖²/numel for a filter) against a learned threshold τ at temperature T. The score is detached inside the sigmoid
/// (the paper's eq. 14 as third-party code reads it): w gets the gate as a constant factor (∂v/∂w = σ, which keeps
/// pruning from stalling) while τ keeps its full gradient. Evaluation uses the hard gate [s > τ].
/// </summary>
public static class LtpGate
{
    /// <summary>σ((s − τ)/T) on the host.</summary>
    public static double Soft(double score, double threshold, double temperature) => 1 / (1 + Math.Exp(-(score - threshold) / temperature));

    /// <summary>∂σ((s − τ)/T)/∂τ = −σ(1 − σ)/T.</summary>
    public static double ThresholdSlope(double score, double threshold, double temperature)
    {
        var g = Soft(score, threshold, temperature);
        return -g * (1 - g) / temperature;
    }

    /// <summary>T = T₀ · Var(|w|) (population variance of the magnitudes: the units of w² − τ).</summary>
    public static double Temperature(IReadOnlyCollection<float> weights, double scale)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var mean = weights.Average(w => Math.Abs((double)w));
        var variance = weights.Average(w => (Math.Abs((double)w) - mean) * (Math.Abs((double)w) - mean));
        return scale * variance;
    }

    /// <summary>T₀ · Var(|w|) as a scalar tensor without gradient (the temperature is a constant of the step); it belongs to the caller's dispose scope.</summary>
    public static Tensor Temperature(Tensor weight, double scale)
    {
        using var noGrad = Libtorch.NoGrad();
        using var magnitudes = weight.Detach().Abs();
        using var mean = magnitudes.Mean();
        using var meanSquare = magnitudes.Square().Mean();
        using var variance = meanSquare - mean.Square();
        // A layer whose magnitudes are all equal (constant init) has no spread: a floor keeps T positive, no NaN.
        using var floored = variance.Clamp(min: 1e-12);
        return floored * scale;
    }

    /// <summary>The gate σ((s.detach() − τ)/T): gradient to τ only.</summary>
    public static Tensor Soft(Tensor score, Tensor threshold, Tensor temperature)
    {
        using var detached = score.Detach();
        using var shifted = detached - threshold;
        using var logit = shifted / temperature;
        return logit.Sigmoid();
    }

    /// <summary>The hard gate [s > τ] (1/0, no gradient).</summary>
    public static Tensor Hard(Tensor score, Tensor threshold)
    {
        using var noGrad = Libtorch.NoGrad();
        using var detached = score.Detach();
        using var above = detached - threshold.Detach();
        using var kept = above.Gt(0);
        return kept.To(DType.Float32);
    }
}
