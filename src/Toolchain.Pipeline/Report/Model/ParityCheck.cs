namespace Toolchain.Pipeline.Report;

/// <summary>How closely a deployed model's outputs agree with our executor's on the same inputs.</summary>
/// <param name="Deployed">What ran deployed, e.g. "pruned.onnx on ort-cpu".</param>
/// <param name="Reference">What it was compared with, e.g. "executor (libtorch)".</param>
/// <param name="MaxAbsDiff">The largest absolute difference over every output element.</param>
/// <param name="Tolerance">The largest difference accepted; null when the run only records it.</param>
/// <param name="Input">What both ran on, e.g. "a seeded random batch of 2" or "256 test images of fashion-mnist"; null in reports written before it was recorded.</param>
/// <param name="Top1Agreement">The fraction of inputs whose top-1 class both agree on; null when not counted (random inputs).</param>
public sealed record ParityCheck(string Deployed, string Reference, double MaxAbsDiff, double? Tolerance, string? Input = null, double? Top1Agreement = null);
