namespace Toolchain.Pipeline.Report;

/// <summary>The model a run pruned.</summary>
/// <param name="Name">The graph's name, e.g. "resnet20".</param>
/// <param name="Source">Where it came from: a zoo name, an .onnx path or a checkpoint path, as the config gave it.</param>
public sealed record ModelInfo(string Name, string Source);
