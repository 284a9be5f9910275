using Toolchain.Graph;

namespace Toolchain.Profiling;

/// <summary>
/// A fixed small CNN whose latency tells how fast the machine runs right now. This VM's speed drifts by ±15 % over
/// minutes (other tenants of the host), so a whole-model measurement says as much about the moment as about the
/// model. The profiler measures the probe in the same interleaved rounds as each model's calibration
/// (<see cref="ModelCalibration.ProbeMs"/>); validation measures it again beside the compacted models, and the ratio
/// is the machine's speed now against then — the common drift, which no per-layer model can predict, is taken out
/// of the comparison and reported instead. The probe is not any zoo model, so nothing is validated against itself.
/// </summary>
public static class SpeedProbe
{
    public const string Name = "speed-probe";

    /// <summary>Three stages of two 3×3 convs (16/32/64 channels, CIFAR-sized input: the kernels the zoo's CIFAR models run) and a linear head.</summary>
    public static ModelGraph Create()
    {
        using var b = new GraphBuilder(Name, [1, 3, 32, 32], seed: 7);
        var x = b.Input;
        var stage = 0;
        foreach (var width in new[] { 16, 32, 64 })
        {
            x = b.Relu(b.Conv(x, width, 3, stride: stage == 0 ? 1 : 2, padding: 1, name: $"conv{stage}a"));
            x = b.Relu(b.Conv(x, width, 3, padding: 1, name: $"conv{stage}b"));
            stage++;
        }

        x = b.Flatten(b.GlobalAveragePool(x));
        b.Output(b.Linear(x, 10, name: "fc"));
        return b.Build();
    }
}
