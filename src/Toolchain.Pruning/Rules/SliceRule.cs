using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>
/// Slice: along a channel dimension the output holds the input's channels start…end−1; compaction rewrites the
/// bounds to the surviving channels inside them. A step other than 1 on a channel dimension cannot be rewritten
/// (the survivors need not stay evenly spaced), so it keeps its channels.
/// </summary>
internal sealed class SliceRule : IChannelRule
{
    public static SliceRule Instance { get; } = new();

    public void Trace(Node node, TraceContext context)
    {
        var a = node.AttributesAs<SliceAttributes>();
        var x = context.Input(node);
        if (a.Axis == 0 || x.Dims[a.Axis - 1] == 1)
        {
            context.Output(node, 0, x);
            return;
        }

        if (a.Step != 1)
        {
            context.Barrier(node, $"slices the channel axis with step {a.Step}; pruned channels would not stay evenly spaced");
            return;
        }

        var (start, end) = ShapeInference.SliceBounds(a, context.Dims(node.Inputs[0])[a.Axis - 1]);
        context.Output(node, 0, x.Slice(a.Axis - 1, start, end, 1).Compress());
    }

    public OpAttributes Rewrite(Node node, RewriteContext context)
    {
        var a = node.AttributesAs<SliceAttributes>();
        if (a.Axis == 0 || a.Step != 1) return a;
        var kept = context.KeptAlong(node.Inputs[0], a.Axis);
        if (kept.All(k => k)) return a;
        var (start, end) = ShapeInference.SliceBounds(a, kept.Length);
        long before = kept.Take((int)start).Count(k => k);
        long inside = kept.Skip((int)start).Take((int)(end - start)).Count(k => k);
        return a with { Start = before, End = before + inside };
    }
}
