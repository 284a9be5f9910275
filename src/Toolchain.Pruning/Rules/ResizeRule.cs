using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>
/// Resize (nearest or bilinear over H and W): each output channel interpolates its own input channel only, so
/// channels pass through and a pruned channel is simply not resized; the attributes name no channel count.
/// </summary>
internal sealed class ResizeRule : IChannelRule
{
    public static ResizeRule Instance { get; } = new();

    public void Trace(Node node, TraceContext context)
    {
        var x = context.Input(node);
        if (!x.ChannelsFirstOnly)
        {
            context.Barrier(node, "resizes dimensions that carry channels");
            return;
        }

        context.Output(node, 0, x);
    }

    public OpAttributes Rewrite(Node node, RewriteContext context) => node.Attributes;
}
