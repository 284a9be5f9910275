using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>BatchNorm: passes channels through; scale, shift, running mean and variance are all indexed by them.</summary>
internal sealed class BatchNormRule : IChannelRule
{
    public static BatchNormRule Instance { get; } = new();

    public void Trace(Node node, TraceContext context)
    {
        var x = context.Input(node);
        if (!x.ChannelsFirstOnly)
        {
            context.Barrier(node, "normalises a value whose channels are laid out over more than one dimension");
            return;
        }

        context.Output(node, 0, x);
        var ids = x.Line(0, context.Shape(node.Inputs[0])[1]);
        foreach (var role in new[] { TensorRole.Weight, TensorRole.Bias, TensorRole.RunningMean, TensorRole.RunningVar })
        {
            context.Bind(node, role, 0, ids);
        }
    }

    public OpAttributes Rewrite(Node node, RewriteContext context) => node.Attributes;
}
