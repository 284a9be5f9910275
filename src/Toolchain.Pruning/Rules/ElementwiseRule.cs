using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>Activations, Clip, Dropout, Identity: each output position holds the input position's channel.</summary>
internal sealed class ElementwiseRule : IChannelRule
{
    public static ElementwiseRule Instance { get; } = new();

    public void Trace(Node node, TraceContext context) => context.Output(node, 0, context.Input(node));

    public OpAttributes Rewrite(Node node, RewriteContext context) => node.Attributes;
}
