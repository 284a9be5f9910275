namespace Toolchain.Pipeline.Report;

/// <summary>One channel group's width (channels) in the dense and the pruned model.</summary>
/// <param name="Group">The group's name, e.g. "layer1.0.conv1".</param>
/// <param name="Dense">Channels in the dense model.</param>
/// <param name="Pruned">Channels kept.</param>
/// <param name="Prunable">Whether the method was allowed to prune it (a classifier's output group is not).</param>
public sealed record GroupWidth(string Group, int Dense, int Pruned, bool Prunable);
