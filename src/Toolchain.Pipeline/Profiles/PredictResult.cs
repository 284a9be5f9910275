using Toolchain.Profiling;

namespace Toolchain.Pipeline;

/// <summary>A model's predicted latency: from which profile, per layer, with the calibration used and what was warned about; and the measured check when asked for.</summary>
/// <param name="Model">The graph's name.</param>
/// <param name="ProfilePath">The profile file the prediction came from.</param>
/// <param name="Engine">The engine the profile describes.</param>
public sealed record PredictResult(string Model, string ProfilePath, string Engine, int Batch, double Ratio, LatencyPrediction Prediction,
    CalibrationSource Calibration, string CalibrationNote, IReadOnlyList<string> Warnings, ValidationReport? Validation);
