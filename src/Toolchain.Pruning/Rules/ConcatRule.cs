using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>
/// Concat along the channel axis lays its inputs' channels side by side: each input's group occupies a slice of
/// the output at its offset, and pruning shrinks that slice. Concat along a dimension without channels (batch,
/// spatial) puts the same channels next to each other, so it couples the inputs like an Add.
/// </summary>
internal sealed class ConcatRule : IChannelRule
{
    public static ConcatRule Instance { get; } = new();

    public void Trace(Node node, TraceContext context)
    {
        var axis = node.AttributesAs<ConcatAttributes>().Axis;
        var maps = Enumerable.Range(0, node.Inputs.Count).Select(i => context.Input(node, i)).ToList();
        var d = axis - 1;
        // Axis 1 is the channel axis of NCHW and [N, F] values; any other axis carries channels if an input has them along it.
        var channelAxis = axis == 1 || (axis > 1 && maps.Any(m => m.Dims[d] > 1));
        if (!channelAxis)
        {
            context.Output(node, 0, BroadcastRule.UniteElementwise(context, maps));
            return;
        }

        var others = Enumerable.Range(0, maps[0].Rank).Select(k => maps.Max(m => m.Dims[k])).ToArray();
        var expanded = node.Inputs.Select((input, i) =>
        {
            var dims = (long[])others.Clone();
            dims[d] = context.Dims(input)[d];
            return maps[i].ExpandTo(dims);
        }).ToList();
        context.Output(node, 0, ChannelMap.Concat(expanded, d).Compress());
    }

    public OpAttributes Rewrite(Node node, RewriteContext context) => node.Attributes;
}
