using System.Globalization;
using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>
/// Pad that adds zeros around the spatial dimensions (or mirrors or repeats each channel's own edge) works channel by
/// channel: the output holds the input's channels. Padding a dimension that carries channels would put positions
/// that belong to no channel (or copies of other channels) between them, padding the batch changes the batch, and a
/// non-zero constant turns a masked (zeroed) channel into a border of that constant, which the next layer still
/// reads, so the compacted model would differ from the masked one: each of those keeps its channels, with the reason.
/// </summary>
internal sealed class PadRule : IChannelRule
{
    public static PadRule Instance { get; } = new();

    public void Trace(Node node, TraceContext context)
    {
        var a = node.AttributesAs<PadAttributes>();
        var x = context.Input(node);
        if (a.IsPadded(0))
        {
            context.Barrier(node, "pads the batch dimension");
            return;
        }

        // Map dimension d − 1 is value dimension d; a map dimension of extent > 1 carries channels.
        var channelDims = Enumerable.Range(1, a.Rank - 1).Where(d => a.IsPadded(d) && x.Dims[d - 1] > 1).ToList();
        if (channelDims.Count > 0)
        {
            var mode = a.Mode.ToString().ToLowerInvariant();
            context.Barrier(node, $"pads dimension {string.Join(", ", channelDims)}, which carries channels ({mode} mode): " +
                                  "the added positions belong to no channel");
            return;
        }

        if (a.Mode == PadMode.Constant && a.Value != 0 && Enumerable.Range(1, a.Rank - 1).Any(a.IsPadded))
        {
            context.Barrier(node, $"pads with the constant {a.Value.ToString(CultureInfo.InvariantCulture)}: a pruned (zeroed) channel " +
                                  "would still carry that border, so removing it would change the output");
            return;
        }

        context.Output(node, 0, x);
    }

    // Only dimensions without channels are padded (Trace refuses the rest), so the amounts stay as they are.
    public OpAttributes Rewrite(Node node, RewriteContext context) => node.Attributes;
}
