using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>Transpose permutes the dimensions, channels with them (e.g. NCHW → NHWC); moving the batch is not supported.</summary>
internal sealed class TransposeRule : IChannelRule
{
    public static TransposeRule Instance { get; } = new();

    public void Trace(Node node, TraceContext context)
    {
        var perm = node.AttributesAs<TransposeAttributes>().Permutation;
        if (perm[0] != 0)
        {
            context.Barrier(node, $"moves the batch dimension (permutation [{string.Join(", ", perm)}])");
            return;
        }

        context.Output(node, 0, context.Input(node).Permute(perm.Skip(1).Select(p => p - 1).ToArray()));
    }

    public OpAttributes Rewrite(Node node, RewriteContext context) => node.Attributes;
}
