using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>
/// What channel rules see while group discovery walks the graph in topological order: the channel map of every
/// value produced so far, the element sets, and the record of tensor bindings and of elements that must not be
/// pruned (with the reason).
/// </summary>
internal sealed class TraceContext(ModelGraph graph)
{
    private readonly Dictionary<string, ChannelMap> _maps = new(StringComparer.Ordinal);

    public ModelGraph Graph { get; } = graph;

    public UnionFind Elements { get; } = new();

    /// <summary>Value maps and tensor axes in the order they were created (topological).</summary>
    public List<Binding> Bindings { get; } = [];

    public List<(int[] Ids, string Reason)> Fixed { get; } = [];

    public IReadOnlyDictionary<string, ChannelMap> Maps => _maps;

    /// <summary>The full shape of a value, batch first.</summary>
    public long[] Shape(string value) => Graph.ShapeOf(value);

    /// <summary>The non-batch dimensions of a value.</summary>
    public long[] Dims(string value) => Graph.ShapeOf(value)[1..];

    public ChannelMap Input(Node node, int index = 0) => _maps[node.Inputs[index]];

    /// <summary>Records the channel map of a value. Values whose channels span several dimensions are made
    /// product-shaped first (see <see cref="EnsureProductForm"/>).</summary>
    public ChannelMap Output(string value, string? node, ChannelMap map)
    {
        var expected = Dims(value);
        if (map.Rank != expected.Length || Enumerable.Range(0, map.Rank).Any(d => map.Dims[d] != 1 && map.Dims[d] != expected[d]))
        {
            throw new InvalidOperationException($"channel map {map} does not fit value '{value}' {Shapes.Format(Shape(value))} (rule bug)");
        }

        EnsureProductForm(map);
        _maps[value] = map;
        Bindings.Add(new ValueBinding(value, node, map));
        return map;
    }

    public ChannelMap Output(Node node, int index, ChannelMap map) => Output(node.Outputs[index], node.Name, map);

    /// <summary>New channel elements for an output (a conv's filters, a Gemm's features).</summary>
    public ChannelMap Fresh(Node node, int index = 0) => Output(node, index, ChannelMap.Fresh(Shape(node.Outputs[index]), Elements));

    /// <summary>A map with <paramref name="ids"/> along the first non-batch dimension of <paramref name="value"/>.</summary>
    public ChannelMap ChannelsFirst(string value, int[] ids)
    {
        var dims = Enumerable.Repeat(1L, Dims(value).Length).ToArray();
        dims[0] = ids.Length;
        return new ChannelMap(dims, ids);
    }

    public void Union(int a, int b) => Elements.Union(a, b);

    /// <summary>Binds one axis of the node's tensor in <paramref name="role"/> (if the node has one) to elements.</summary>
    public void Bind(Node node, TensorRole role, int axis, int[] elements)
    {
        if (node.TensorName(role) is not { } tensor) return;
        var shape = Graph.GetTensor(tensor).Shape;
        if (shape[axis] != elements.Length)
        {
            throw new InvalidOperationException($"'{node.Name}' ({node.Op}): {tensor} axis {axis} has {shape[axis]} positions, bound to {elements.Length} (rule bug)");
        }

        Bindings.Add(new TensorBinding(node.Name, node.Op, tensor, role, axis, elements));
    }

    /// <summary>Marks every element of <paramref name="map"/> as not prunable.</summary>
    public void Fix(ChannelMap map, string reason) => Fixed.Add((map.Ids, reason));

    /// <summary>For a node that cannot carry pruned channels: its inputs keep their channels and its outputs start new, unprunable ones.</summary>
    public void Barrier(Node node, string reason)
    {
        var why = $"{Describe(node)} {reason}";
        for (var i = 0; i < node.Inputs.Count; i++) Fix(Input(node, i), why);
        for (var i = 0; i < node.Outputs.Count; i++) Fix(Fresh(node, i), why);
    }

    public static string Describe(Node node) => $"'{node.Name}' ({node.Op})";

    // A value whose channels span several dimensions (a channel shuffle's [g, C/g]) can only be compacted when the kept
    // positions form a product of per-dimension sets. Uniting the elements along every channel dimension but the last
    // makes each element set span the outer dimensions whole, so pruning only ever shortens the last one.
    private void EnsureProductForm(ChannelMap map)
    {
        if (map.ChannelDimCount < 2) return;
        var last = map.LastChannelDim;
        var stride = ChannelMap.Strides(map.Dims)[last];
        for (long p = 0; p < map.Ids.Length; p++)
        {
            var t = p / stride % map.Dims[last];
            Union(map.Ids[p], map.Ids[t * stride]);
        }
    }
}
