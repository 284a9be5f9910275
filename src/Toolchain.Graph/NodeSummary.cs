namespace Toolchain.Graph;

/// <summary>One row of <see cref="ModelGraph.Summary"/> (what <c>toolchain inspect</c> shows).</summary>
public sealed record NodeSummary(string Name, OpKind Op, long[] OutputShape, long Parameters, long Macs);
