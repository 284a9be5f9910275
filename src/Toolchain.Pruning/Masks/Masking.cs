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
        using var scope = DisposeScope.Enter();
        foreach (var (parameter, mask) in Build(groups, masks, includeFull: true, fullShape: false))
        {
            // The setter takes the mask out of the scope and zeroes the value.
            parameter.Mask = mask;
        }
    }

    /// <summary>
    /// Per parameter a group binds, the 0/1 tensor of the entries <paramref name="masks"/> keep, in the parameter's shape
    /// (entries of removed channels 0); parameters all of whose channels are kept are left out. The tensors belong to
    /// the caller's dispose scope (or to the caller).
    /// </summary>
    public static IReadOnlyList<(Parameter Parameter, Tensor Mask)> KeepMasks(ChannelGroups groups, GroupMasks masks) =>
        Build(groups, masks, includeFull: false, fullShape: true).Select(m => (m.Parameter, m.Mask!)).ToList();

    private static List<(Parameter Parameter, Tensor? Mask)> Build(ChannelGroups groups, GroupMasks masks, bool includeFull, bool fullShape)
    {
        ArgumentNullException.ThrowIfNull(groups);
        CheckMasks(groups, masks);
        groups.EnsureCurrent();
        var graph = groups.Graph;
        var result = new List<(Parameter, Tensor?)>();
        foreach (var (tensor, bindings) in groups.TensorBindings.GroupBy(b => b.Tensor).Select(g => (g.Key, g.ToList())))
        {
            if (graph.FindParameter(tensor) is not { } parameter) continue;
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

            // Parameter.Mask broadcasts a mask of the bound axes; a gradient term multiplies with the parameter's shape.
            if (fullShape && mask is not null && !mask.Shape.SequenceEqual(shape)) mask = mask.Expand(shape).Contiguous();
            if (mask is not null || includeFull) result.Add((parameter, mask));
        }

        return result;
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
