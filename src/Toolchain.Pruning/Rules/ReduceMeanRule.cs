using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>
/// ReduceMean over dimensions without channels (the spatial ones: global average pooling as MNASNet and ShuffleNet
/// write it) is a per-channel mean: the output holds the input's channels, with the reduced dimensions kept at
/// extent 1 or removed. A mean over a dimension that carries channels mixes every channel into each output, and one
/// over the batch mixes samples: both keep their channels, with the reason.
/// </summary>
internal sealed class ReduceMeanRule : IChannelRule
{
    public static ReduceMeanRule Instance { get; } = new();

    public void Trace(Node node, TraceContext context)
    {
        var a = node.AttributesAs<ReduceMeanAttributes>();
        var x = context.Input(node);
        if (a.Axes.Contains(0))
        {
            context.Barrier(node, "averages over the batch dimension");
            return;
        }

        // Map dimension d − 1 is value dimension d; a map dimension of extent > 1 carries channels.
        var mixed = a.Axes.Where(d => x.Dims[d - 1] > 1).ToList();
        if (mixed.Count > 0)
        {
            context.Barrier(node, $"averages over dimension {string.Join(", ", mixed)}, which carries channels: every output mixes all of them");
            return;
        }

        // The reduced dimensions are broadcast in the map (extent 1), so removing them leaves the ids as they are.
        context.Output(node, 0, a.KeepDims ? x : new ChannelMap(x.Dims.Where((_, d) => !a.Axes.Contains(d + 1)).ToArray(), x.Ids));
    }

    // Reduced dimensions carry no channels (Trace refuses the rest), so the axes stay as they are.
    public OpAttributes Rewrite(Node node, RewriteContext context) => node.Attributes;
}
