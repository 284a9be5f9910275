using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>Something whose positions carry channel elements: a value's channel map or one axis of a tensor.</summary>
internal abstract record Binding(int[] Elements);

/// <summary>The channel map of a value (positions are row-major over its non-batch dimensions).</summary>
internal sealed record ValueBinding(string Value, string? Node, ChannelMap Map) : Binding(Map.Ids);

/// <summary>One axis of a parameter or buffer: position i of the axis holds element Elements[i].</summary>
internal sealed record TensorBinding(string Node, OpKind Op, string Tensor, TensorRole Role, int Axis, int[] Elements) : Binding(Elements);
