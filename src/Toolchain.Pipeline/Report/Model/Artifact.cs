namespace Toolchain.Pipeline.Report;

/// <summary>One file a run wrote.</summary>
/// <param name="Path">Relative to the run's output folder, '/'-separated.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Description">What it is, e.g. "pruned model (ONNX)".</param>
public sealed record Artifact(string Path, long Bytes, string Description);
