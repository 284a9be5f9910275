using Toolchain.Graph;
using Toolchain.Torch;

namespace Toolchain.Pruning;

/// <summary>
/// Masked execution for training: removed channels stay in the graph but are zeroed in every tensor slice of their
/// group (conv filters and biases, BatchNorm scale and shift, the consumers' input slices, Gemm column blocks) through
/// <see cref="Parameter.Mask"/>, which the optimizers honour for gradients, values and momentum. A removed channel's
/// conv/BatchNorm output is then exactly 0, and whatever an activation makes of it (sigmoid(0) = 0.5) reaches no
/// kept channel because every consumer's slice for it is zero too. BatchNorm running statistics are buffers and stay
/// as they are (a zero scale and shift ignore them).
/// </summary>
public static class Masking
{
    /// <summary>
    /// Sets the mask of every parameter a group binds (null where all its channels are kept) and zeroes the removed
    /// entries. Parameters no group binds are left alone.
    /// </summary>
    public static void Apply(ChannelGroups groups, GroupMasks masks)
    {
        ArgumentNullException.ThrowIfNull(groups);
        CheckMasks(groups, masks);
        groups.EnsureCurrent();
        var graph = groups.Graph;
        foreach (var (tensor, bindings) in groups.TensorBindings.GroupBy(b => b.Tensor).Select(g => (g.Key, g.ToList())))
        {
            if (graph.FindParameter(tensor) is not { } parameter) continue;
            using var scope = DisposeScope.Enter();
            var shape = parameter.Shape;
            Tensor? mask = null;
            foreach (var b in bindings)
            {
                var kept = groups.Kept(b.Elements, masks);
                if (kept.All(k => k)) continue;
                var axisShape = Enumerable.Repeat(1L, shape.Length).ToArray();
                axisShape[b.Axis] = kept.Length;
                var axisMask = Tensor.FromArray(kept.Select(k => k ? 1f : 0f).ToArray(), axisShape);
                mask = mask is null ? axisMask : mask.Mul(axisMask);
            }

            // The setter takes the mask out of the scope and zeroes the value.
            parameter.Mask = mask;
        }
    }

    /// <summary>Removes every parameter's mask (values already zeroed stay zero until trained).</summary>
    public static void Clear(ModelGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        foreach (var p in graph.Parameters) p.Mask = null;
    }

    internal static void CheckMasks(ChannelGroups groups, GroupMasks masks)
    {
        ArgumentNullException.ThrowIfNull(masks);
        if (!ReferenceEquals(masks.Groups, groups))
        {
            throw new ArgumentException("the masks were made for other channel groups (another graph, or an earlier discovery)", nameof(masks));
        }
    }
}
