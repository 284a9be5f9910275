using Toolchain.Graph;
using Toolchain.Torch;

namespace Toolchain.Pruning;

/// <summary>
/// Physically removes the channels a mask drops from every tensor of their group, rewrites the attributes that
/// depend on channel counts (depthwise conv groups, split sizes, slice bounds, reshape targets), checks the result
/// against the shapes predicted from the widths, and applies it with one atomic <see cref="ModelGraph.Edit"/>. The
/// compacted graph computes what the masked graph computed, trains, and saves/reloads at its new size.
/// </summary>
public static class Compactor
{
    /// <summary>
    /// Compacts <see cref="ChannelGroups.Graph"/> in place. The groups describe the old graph afterwards: discover
    /// them again for further pruning. Masks on resized parameters are dropped (nothing left to mask).
    /// </summary>
    public static CompactionReport Compact(ChannelGroups groups, GroupMasks masks, CompactionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        Masking.CheckMasks(groups, masks);
        options ??= new CompactionOptions();
        if (options.RoundTo < 1) throw new ArgumentOutOfRangeException(nameof(options), options.RoundTo, "RoundTo must be at least 1");
        groups.EnsureCurrent();
        if (options.RoundTo > 1) masks = masks.AlignedTo(options.RoundTo);

        var graph = groups.Graph;
        var (parametersBefore, macsBefore) = (graph.ParameterCount, graph.Macs);
        var widthsBefore = groups.FullWidths();
        var widths = masks.Widths();
        if (!masks.RemovesAny) return new CompactionReport(widthsBefore, widths, parametersBefore, parametersBefore, macsBefore, macsBefore, []);

        Dictionary<string, Tensor> tensors;
        Dictionary<string, OpAttributes> attributes;
        List<ConstantFold> folds;
        using (var scope = DisposeScope.Enter())
        using (Libtorch.NoGrad())
        {
            // 1. Fold constant contributions while the tensors still have their full size.
            var folded = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            folds = options.FoldConstants ? ConstantFolding.Fold(groups, masks, folded, options.ProbeSeed) : [];

            // 2. Keep the surviving positions of every bound axis.
            tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var bindings in groups.TensorBindings.GroupBy(b => b.Tensor))
            {
                var value = folded.GetValueOrDefault(bindings.Key) ?? graph.GetTensor(bindings.Key).Detach();
                var changed = folded.ContainsKey(bindings.Key);
                foreach (var b in bindings)
                {
                    var kept = groups.Kept(b.Elements, masks);
                    if (kept.All(k => k)) continue;
                    var index = Tensor.FromArray(Enumerable.Range(0, kept.Length).Where(i => kept[i]).Select(i => (long)i).ToArray());
                    value = value.IndexSelect(b.Axis, index);
                    changed = true;
                }

                if (changed) tensors[bindings.Key] = value;
            }

            foreach (var (name, value) in folded) tensors.TryAdd(name, value);

            // 3. Attributes that depend on channel counts.
            var rewrite = new RewriteContext(graph, (value, axis) => groups.KeptAlong(value, axis, masks));
            attributes = new Dictionary<string, OpAttributes>(StringComparer.Ordinal);
            foreach (var node in graph.Nodes)
            {
                var a = ChannelRules.For(node.Op).Rewrite(node, rewrite);
                if (!a.Equals(node.Attributes)) attributes[node.Name] = a;
            }

            // 4. The result must have exactly the shapes the widths predict (what cost models counted).
            Verify(groups, widths, tensors, attributes);
            foreach (var t in tensors.Values) t.DetachFromScope();
        }

        graph.Edit(tensors, attributes);
        return new CompactionReport(widthsBefore, widths, parametersBefore, graph.ParameterCount, macsBefore, graph.Macs, folds);
    }

    private static void Verify(ChannelGroups groups, int[] widths, Dictionary<string, Tensor> tensors, Dictionary<string, OpAttributes> attributes)
    {
        var graph = groups.Graph;
        var predicted = groups.PredictShapes(widths);
        long[]? TensorShape(string name) => tensors.TryGetValue(name, out var t) ? t.Shape : graph.GetTensor(name).Shape;
        InvalidOperationException Bug(string what) => new($"compacting graph '{graph.Name}': {what} (a channel rule is wrong; please report)");

        foreach (var (name, shape) in predicted.Tensors)
        {
            var actual = TensorShape(name)!;
            if (!actual.SequenceEqual(shape)) throw Bug($"'{name}' would be {Shapes.Format(actual)}, predicted {Shapes.Format(shape)}");
        }

        var nodes = graph.Nodes.Select(n => attributes.TryGetValue(n.Name, out var a) ? n with { Attributes = a } : n).ToList();
        Dictionary<string, long[]> values;
        try
        {
            values = ShapeInference.Infer(nodes, graph.InputName, graph.InputShape, TensorShape);
        }
        catch (GraphShapeException e)
        {
            throw Bug($"the result is inconsistent: {e.Message}");
        }

        foreach (var (name, shape) in predicted.Values)
        {
            if (!values[name].SequenceEqual(shape)) throw Bug($"value '{name}' would be {Shapes.Format(values[name])}, predicted {Shapes.Format(shape)}");
        }
    }
}
