namespace Toolchain.Methods;

/// <summary>
/// The annealing schedule of pruning with direct sparsity control (FSA; Guo, She &amp; Barbu): after step
/// e = 1..N of a run of N steps, a quantity moves from its start S to its target T as
/// <c>S_e = T + (S − T) · max(0, (N − 2e) / (2eμ + N))</c>. It reaches T at e = N/2 and stays there, so the second
/// half trains at the target size; a larger μ removes more early (FSA's default μ = 5). With S and T channel counts
/// this is the paper's M_e; with latencies it is our extension B_e (anneal the latency budget instead of a count).
/// Whether the paper steps per epoch or per iteration is not verified, so the caller chooses what a step is.
/// </summary>
public sealed record AnnealingSchedule
{
    public AnnealingSchedule(int totalSteps, double mu = 5)
    {
        if (totalSteps < 1) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "the schedule needs at least one step");
        if (!(mu > 0)) throw new ArgumentOutOfRangeException(nameof(mu), mu, "μ must be positive");
        TotalSteps = totalSteps;
        Mu = mu;
    }

    /// <summary>N: the steps of the whole run.</summary>
    public int TotalSteps { get; }

    /// <summary>μ: how early the schedule removes (larger = earlier).</summary>
    public double Mu { get; }

    /// <summary>The share of the excess S − T still kept after step <paramref name="step"/> (1 at step 0, 0 from N/2 on).</summary>
    public double RemainingFraction(int step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "steps count from 0 (before the first) up");
        double n = TotalSteps, e = step;
        return Math.Max(0, (n - 2 * e) / (2 * e * Mu + n));
    }

    /// <summary>The annealed value after <paramref name="step"/>: <c>target + (start − target) · RemainingFraction(step)</c>.</summary>
    public double At(int step, double start, double target) => target + (start - target) * RemainingFraction(step);
}
