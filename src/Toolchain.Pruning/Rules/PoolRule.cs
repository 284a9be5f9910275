using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>Max/average/global pooling: channel by channel over the spatial dimensions.</summary>
internal sealed class PoolRule : IChannelRule
{
    public static PoolRule Instance { get; } = new();

    public void Trace(Node node, TraceContext context)
    {
        var x = context.Input(node);
        if (!x.ChannelsFirstOnly)
        {
            context.Barrier(node, "pools over dimensions that carry channels");
            return;
        }

        context.Output(node, 0, x);
    }

    public OpAttributes Rewrite(Node node, RewriteContext context) => node.Attributes;
}
