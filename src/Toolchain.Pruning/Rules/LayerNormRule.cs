using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>
/// LayerNorm over channels (ConvNeXt): passes channels through, weight and bias are indexed by them — but every output
/// channel is normalised by the mean and variance of all of them, so removing a channel (even one masked to zero)
/// changes the others: compaction could not be exact. Its channels stay, with the reason.
/// </summary>
internal sealed class LayerNormRule : IChannelRule
{
    public static LayerNormRule Instance { get; } = new();

    public const string Reason = "normalises over these channels: each output depends on the mean and variance of all of them, so removing one (even a zero one) changes the rest and compaction would not be exact";

    public void Trace(Node node, TraceContext context)
    {
        var x = context.Input(node);
        if (!x.ChannelsFirstOnly)
        {
            context.Barrier(node, "normalises a value whose channels are laid out over more than one dimension");
            return;
        }

        context.Fix(x, $"{TraceContext.Describe(node)} {Reason}");
        context.Output(node, 0, x);
        var ids = x.Line(0, context.Shape(node.Inputs[0])[1]);
        context.Bind(node, TensorRole.Weight, 0, ids);
        context.Bind(node, TensorRole.Bias, 0, ids);
    }

    public OpAttributes Rewrite(Node node, RewriteContext context) => node.Attributes;
}
