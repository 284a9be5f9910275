using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>
/// Add and Mul: positions that meet in the output are one channel, so a residual add couples both branches and a
/// squeeze-excite Mul ([N, C, 1, 1] · [N, C, H, W]) couples the gate with the features. An operand with a single
/// channel (a per-sample or spatial gate) broadcast over the other's channels couples nothing.
/// </summary>
internal sealed class BroadcastRule : IChannelRule
{
    public static BroadcastRule Instance { get; } = new();

    public void Trace(Node node, TraceContext context)
    {
        var (a, b) = (context.Input(node, 0), context.Input(node, 1));
        var (sa, sb) = (context.Dims(node.Inputs[0]), context.Dims(node.Inputs[1]));
        if (sa.Length != sb.Length)
        {
            context.Barrier(node, $"combines operands of different rank ({Shapes.Format(context.Shape(node.Inputs[0]))} and {Shapes.Format(context.Shape(node.Inputs[1]))})");
            return;
        }

        // Where the operands' extents differ one of them is broadcast; that is harmless along dimensions carrying no channels.
        var channelsBroadcast = Enumerable.Range(0, sa.Length).Any(d => sa[d] != sb[d] && (a.Dims[d] > 1 || b.Dims[d] > 1));
        if (!channelsBroadcast)
        {
            context.Output(node, 0, UniteElementwise(context, [a, b]));
        }
        else if (b.Ids.Length == 1)
        {
            context.Output(node, 0, a);
        }
        else if (a.Ids.Length == 1)
        {
            context.Output(node, 0, b);
        }
        else
        {
            context.Barrier(node, $"broadcasts the channels of {Shapes.Format(context.Shape(node.Inputs[0]))} against {Shapes.Format(context.Shape(node.Inputs[1]))}");
        }
    }

    /// <summary>Expands the maps to a common layout and unites the elements that share a position.</summary>
    public static ChannelMap UniteElementwise(TraceContext context, IReadOnlyList<ChannelMap> maps)
    {
        var dims = Enumerable.Range(0, maps[0].Rank).Select(d => maps.Max(m => m.Dims[d])).ToArray();
        var expanded = maps.Select(m => m.ExpandTo(dims)).ToList();
        foreach (var other in expanded.Skip(1))
        {
            for (var p = 0; p < other.Ids.Length; p++) context.Union(expanded[0].Ids[p], other.Ids[p]);
        }

        return expanded[0].Compress();
    }

    public OpAttributes Rewrite(Node node, RewriteContext context) => node.Attributes;
}
