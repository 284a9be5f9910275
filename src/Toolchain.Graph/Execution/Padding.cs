using Toolchain.Torch;

namespace Toolchain.Graph.Execution;

/// <summary>
/// <see cref="OpKind.Pad"/> composed from tensor functions that already have a backward in libtorch, one dimension at
/// a time: constant padding concatenates filled blocks, edge and reflect padding gather along the dimension with an
/// index that repeats or mirrors positions. Training therefore needs no new native code; the gradient of a gather
/// sums into the positions read several times, which is the gradient PyTorch's reflection/replication pads give.
/// </summary>
internal static class Padding
{
    /// <summary>The padded tensor; <paramref name="dims"/> are the dimensions with a non-zero amount.</summary>
    public static Tensor Apply(Tensor x, PadAttributes a, int[] dims)
    {
        using var scope = DisposeScope.Enter();
        var y = x;
        foreach (var d in dims)
        {
            y = a.Mode switch
            {
                PadMode.Constant => Constant(y, d, a.Before(d), a.After(d), a.Value),
                PadMode.Reflect or PadMode.Edge => Gather(y, d, a.Before(d), a.After(d), a.Mode),
            };
        }

        return scope.Keep(y);
    }

    private static Tensor Constant(Tensor y, int dim, long before, long after, double value)
    {
        var parts = new List<Tensor>(3);
        var shape = y.Shape;
        if (before > 0)
        {
            shape[dim] = before;
            parts.Add(Tensor.Full(shape, value, y.DType, y.Device));
        }

        parts.Add(y);
        if (after > 0)
        {
            shape[dim] = after;
            parts.Add(Tensor.Full(shape, value, y.DType, y.Device));
        }

        return Tensor.Cat(parts, dim);
    }

    private static Tensor Gather(Tensor y, int dim, long before, long after, PadMode mode)
    {
        var extent = y.Size(dim);
        var index = new long[before + extent + after];
        for (var i = 0; i < index.Length; i++)
        {
            var source = i - before;
            index[i] = mode == PadMode.Edge
                ? Math.Clamp(source, 0, extent - 1)
                // Mirror at the first and last position without repeating them (shape inference keeps amounts < extent).
                : source < 0 ? -source : source >= extent ? 2 * (extent - 1) - source : source;
        }

        var positions = Tensor.FromArray(index);
        if (y.Device.Kind != DeviceKind.Cpu) positions = positions.To(y.Device);
        return y.IndexSelect(dim, positions);
    }
}
