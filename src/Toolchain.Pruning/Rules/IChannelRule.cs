using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>
/// How one op carries channels, in both directions pruning needs: while discovering groups, which output positions
/// hold which input channels, which channels must go together and which tensor axes hold them; and after masks are
/// chosen, the attributes the op needs when its channels shrink.
/// </summary>
internal interface IChannelRule
{
    /// <summary>Records the channel maps of the node's outputs, the couplings it imposes and the tensor axes it binds.</summary>
    void Trace(Node node, TraceContext context);

    /// <summary>The node's attributes after compaction (the same instance when nothing changes).</summary>
    OpAttributes Rewrite(Node node, RewriteContext context);
}

/// <summary>What a rule sees when rewriting attributes: old shapes and which positions survive compaction.</summary>
internal sealed class RewriteContext(ModelGraph graph, Func<string, int, bool[]> keptAlong)
{
    public long[] OldShape(string value) => graph.ShapeOf(value);

    /// <summary>For each index along <paramref name="axis"/> of the value, whether it survives compaction.</summary>
    public bool[] KeptAlong(string value, int axis) => keptAlong(value, axis);

    public long NewExtent(string value, int axis) => KeptAlong(value, axis).Count(k => k);

    public long[] NewShape(string value)
    {
        var shape = OldShape(value);
        for (var axis = 1; axis < shape.Length; axis++) shape[axis] = NewExtent(value, axis);
        return shape;
    }
}
