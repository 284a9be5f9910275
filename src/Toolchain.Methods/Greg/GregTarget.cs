using Toolchain.Torch;

namespace Toolchain.Methods;

/// <summary>
/// A parameter GReg penalizes for one of its layers: row r of the parameter's axis 0 belongs to channel
/// <c>RowChannel[r]</c> of <paramref name="Layer"/> (−1: not the layer's, left alone). A conv whose filters are
/// exactly the layer's channels has RowChannel = 0, 1, 2, …
/// </summary>
public sealed record GregTarget(Parameter Parameter, GregLayer Layer, IReadOnlyList<int> RowChannel);
