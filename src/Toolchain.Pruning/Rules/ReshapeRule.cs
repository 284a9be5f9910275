using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>
/// Flatten and Reshape regroup the positions of each sample row-major, channels with them: flattening [C, H, W]
/// gives every channel a block of H·W features; a channel shuffle ([C] → [g, C/g] → transpose → [C]) permutes
/// channels, and the [g, C/g] step ties position j of every row together so all rows keep the same width.
/// Compaction rewrites explicit target dimensions that carry channels. A reshape that mixes the batch with other
/// dimensions keeps its channels.
/// </summary>
internal sealed class ReshapeRule : IChannelRule
{
    public static ReshapeRule Instance { get; } = new();

    // Tracing materialises one id per position of a sample; beyond this a reshape is left unpruned rather than traced.
    private const long MaxPositions = 1L << 26;

    public void Trace(Node node, TraceContext context)
    {
        var (inShape, outShape) = (context.Shape(node.Inputs[0]), context.Shape(node.Output));
        if (inShape[0] != outShape[0])
        {
            context.Barrier(node, $"mixes the batch dimension with others ({Shapes.Format(inShape)} → {Shapes.Format(outShape)})");
            return;
        }

        if (ChannelMap.Product(inShape[1..]) > MaxPositions)
        {
            context.Barrier(node, $"has more than {MaxPositions} positions per sample to trace");
            return;
        }

        context.Output(node, 0, context.Input(node).Reshape(inShape[1..], outShape[1..]));
    }

    public OpAttributes Rewrite(Node node, RewriteContext context)
    {
        if (node.Op == OpKind.Flatten) return node.Attributes;
        var a = node.AttributesAs<ReshapeAttributes>();
        var (oldIn, oldOut) = (context.OldShape(node.Inputs[0]), context.OldShape(node.Output));
        var (newIn, newOut) = (context.NewShape(node.Inputs[0]), context.NewShape(node.Output));
        if (newOut.SequenceEqual(oldOut)) return a;
        var target = a.Shape.ToArray();
        for (var i = 1; i < target.Length; i++)
        {
            if (target[i] == -1) continue;
            // 0 copies the input's dimension i: keep it only while that still gives the output's extent.
            if (target[i] == 0 && newIn.Length > i && newIn[i] == newOut[i]) continue;
            target[i] = newOut[i];
        }

        if (ShapeInference.Reshape(newIn, target) is not { } result || !result.SequenceEqual(newOut))
        {
            throw new InvalidOperationException(
                $"'{node.Name}' (Reshape): cannot rewrite target [{string.Join(", ", a.Shape)}] for {Shapes.Format(newIn)} → {Shapes.Format(newOut)} " +
                $"(was {Shapes.Format(oldIn)} → {Shapes.Format(oldOut)})");
        }

        return new ReshapeAttributes(target);
    }
}
