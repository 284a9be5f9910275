using Toolchain.Pipeline;
using Toolchain.Profiling;
using Toolchain.Runtime;

namespace Toolchain.Agent.Api;

/// <summary>
/// The settings of a profile, validate or recalibrate job: <c>toolchain profile</c>'s and <c>predict --validate</c>'s options under
/// their names (the form's <c>settings</c> part). A job reads the ones that concern it; the defaults are the command line's.
/// </summary>
public sealed record ProfilingSettings
{
    /// <summary>The engine to profile or measure on (<see cref="ProfileEngines.Names"/>).</summary>
    public string Engine { get; init; } = Engines.OrtCpu.Name;

    public int Batch { get; init; } = 1;

    /// <summary>Intra-op threads, as deployed (0: one per core).</summary>
    public int Threads { get; init; }

    // profile
    public int Runs { get; init; } = new ProfilerOptions().Runs;

    public int Warmup { get; init; } = new ProfilerOptions().Warmup;

    public int GridStep { get; init; } = new ProfilerOptions().GridStep;

    public int MaxPoints { get; init; } = new ProfilerOptions().MaxInitialPoints;

    public bool Refine { get; init; } = true;

    public int CalibrationSamples { get; init; } = new ProfilerOptions().CalibrationSamples;

    public double CalibrationSeconds { get; init; } = new ModelMeasurement().MinSeconds;

    // validate
    public int Samples { get; init; } = 10;

    public int Seed { get; init; } = 1;

    public double MeasureSeconds { get; init; } = PredictRequest.DefaultMeasureSeconds;

    /// <summary>Random assignments of the recalibration measured with the samples; null: compare with the stored calibration only.</summary>
    public int? RecalibrationSamples { get; init; } = Profiler.RecalibrationSamples;

    public ProfilerOptions ToProfilerOptions() => new()
    {
        Runs = Runs,
        Warmup = Warmup,
        GridStep = GridStep,
        MaxInitialPoints = MaxPoints,
        Refine = Refine,
        CalibrationSamples = CalibrationSamples,
        Calibration = new ModelMeasurement { MinSeconds = CalibrationSeconds },
    };

    /// <summary>Refuses impossible settings with the command line's messages, before anything is uploaded or queued.</summary>
    /// <exception cref="ArgumentException">An impossible setting.</exception>
    public void Validate()
    {
        _ = Engines.FindProfilable(Engine);
        if (Batch < 1) throw new ArgumentException($"batch must be at least 1 (got {Batch})");
        if (Threads < 0) throw new ArgumentException($"threads cannot be negative (got {Threads})");
        if (Runs < 1) throw new ArgumentException($"runs must be at least 1 (got {Runs})");
        if (Warmup < 0) throw new ArgumentException($"warmup cannot be negative (got {Warmup})");
        if (GridStep < 1) throw new ArgumentException($"gridStep must be at least 1 (got {GridStep})");
        if (MaxPoints < 2) throw new ArgumentException($"maxPoints must be at least 2 (got {MaxPoints})");
        if (CalibrationSamples < 0) throw new ArgumentException($"calibrationSamples cannot be negative (got {CalibrationSamples})");
        if (!(CalibrationSeconds >= 0)) throw new ArgumentException($"calibrationSeconds cannot be negative (got {CalibrationSeconds})");
        if (Samples < 0) throw new ArgumentException($"samples cannot be negative (got {Samples})");
        if (!(MeasureSeconds >= 0)) throw new ArgumentException($"measureSeconds cannot be negative (got {MeasureSeconds})");
        if (RecalibrationSamples < 0) throw new ArgumentException($"recalibrationSamples cannot be negative (got {RecalibrationSamples})");
    }
}
