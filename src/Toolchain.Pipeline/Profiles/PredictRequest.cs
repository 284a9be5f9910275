using Toolchain.Profiling;
using Toolchain.Runtime;

namespace Toolchain.Pipeline;

/// <summary>What <see cref="PredictJob"/> predicts: a model's latency from a profile, at full width or uniformly pruned, and optionally checked by measurement.</summary>
public sealed record PredictRequest
{
    /// <summary>Zoo name, graph file, checkpoint or .onnx file.</summary>
    public required string Model { get; init; }

    /// <summary>The profile file; null: the one in profiles/ for the engine, core count and batch (<see cref="LatencyProfiles.Select"/>).</summary>
    public string? Profile { get; init; }

    /// <summary>The engine the profile describes (<see cref="ProfileEngines.Names"/>).</summary>
    public string Engine { get; init; } = Engines.OrtCpu.Name;

    public int Batch { get; init; } = 1;

    /// <summary>Predict with this fraction of every prunable group's channels removed (uniform), in [0, 1).</summary>
    public double Ratio { get; init; }

    /// <summary>With a ratio: keep widths that are multiples of this.</summary>
    public int RoundTo { get; init; } = 1;

    /// <summary>Compact the model at random widths, measure each on the engine and compare with the prediction.</summary>
    public bool Validate { get; init; }

    /// <summary>With <see cref="Validate"/>: random width assignments besides the dense model, their seed, the engine's intra-op threads (0: one per core) and how long to measure.</summary>
    public int Samples { get; init; } = 10;

    public int Seed { get; init; } = 1;

    public int Threads { get; init; }

    public double MeasureSeconds { get; init; } = DefaultMeasureSeconds;

    /// <summary>
    /// How long a validation measures by default. Measured on 2026-12-02 (2-core VM, re-measured profile, 20 random
    /// samples, recalibrated): at 15 s resnet56 and mobilenet_v2_cifar ended 4.7–5.9 % and 2.5–5.3 % (two of six runs
    /// over 5 %), at 60 s 2.8–4.4 % and 2.6–2.9 % (resnet20 3.7–3.8 %), in both of the host's speed regimes: the
    /// measurement's own noise was a point or more of the error at 15 s. A minute is what a trustworthy answer costs.
    /// </summary>
    public const double DefaultMeasureSeconds = 60;

    /// <summary>
    /// With <see cref="Validate"/>: measure the model's whole-model calibration again in the same rounds as the samples
    /// (with this many random assignments besides the profiler's fixed ones) and predict with it too; null: compare
    /// with the profile's stored calibration only.
    /// </summary>
    public int? RecalibrationSamples { get; init; } = Profiler.RecalibrationSamples;

    /// <summary>
    /// The target is this device agent: its cached profile (<see cref="LatencyProfiles.DeviceProfilePath"/>) is the default, the
    /// profile's fingerprint is compared with it, and <see cref="Validate"/> measures there instead of here.
    /// </summary>
    public IRemoteDevice? Device { get; init; }
}
