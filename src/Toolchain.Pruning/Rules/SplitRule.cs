using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>Split along the channel axis: each output holds a consecutive slice of the input's channels; compaction
/// rewrites the sizes to the surviving channels of each part.</summary>
internal sealed class SplitRule : IChannelRule
{
    public static SplitRule Instance { get; } = new();

    public void Trace(Node node, TraceContext context)
    {
        var a = node.AttributesAs<SplitAttributes>();
        var x = context.Input(node);
        long start = 0;
        for (var i = 0; i < a.Sizes.Count; i++)
        {
            var part = a.Axis == 0 ? x : x.Slice(a.Axis - 1, start, start + a.Sizes[i], 1).Compress();
            context.Output(node, i, part);
            start += a.Sizes[i];
        }
    }

    public OpAttributes Rewrite(Node node, RewriteContext context)
    {
        var a = node.AttributesAs<SplitAttributes>();
        if (a.Axis == 0) return a;
        var sizes = node.Outputs.Select(o => context.NewExtent(o, a.Axis)).ToArray();
        return sizes.SequenceEqual(a.Sizes) ? a : a with { Sizes = sizes };
    }
}
