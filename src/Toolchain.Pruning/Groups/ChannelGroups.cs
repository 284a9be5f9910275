using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>
/// The channel groups of a graph. Discovery walks the nodes in order and asks each op's rule (one table,
/// <see cref="ChannelRules"/>) which positions of its outputs hold which channels and which channels it couples;
/// coupled channels form one set. A group is a set of such channels that appear in exactly the same tensor axes
/// and values the same number of times, so every width of every layer is a linear function of the group widths
/// and costs can be predicted from widths alone. Groups touching the graph input or output, or passing through
/// an op that cannot carry pruned channels, are reported unprunable with the reason.
/// The object describes the graph as it was when discovered; after compaction discover again.
/// </summary>
public sealed class ChannelGroups
{
    private readonly List<Binding> _bindings;
    private readonly IReadOnlyDictionary<string, ChannelMap> _maps;
    private readonly List<Node> _nodes;
    private readonly Dictionary<string, long[]> _tensorShapes;
    private readonly Dictionary<string, long[]> _valueShapes;
    private readonly int[] _elementGroup;
    private readonly int[] _elementChannel;
    private readonly List<List<(int Binding, int Count)>> _signatures = [];
    private readonly Dictionary<string, List<(int Axis, Term[] Terms)>> _tensorTerms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Axis, Term[] Terms)> _valueTerms = new(StringComparer.Ordinal);

    // An extent that grows by Multiplicity positions per channel kept in Group.
    private readonly record struct Term(int Group, int Multiplicity);

    private ChannelGroups(ModelGraph graph, TraceContext context)
    {
        Graph = graph;
        _bindings = context.Bindings;
        _maps = context.Maps;
        _nodes = graph.Nodes.ToList();
        _tensorShapes = graph.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Shape, StringComparer.Ordinal);
        _valueShapes = graph.ValueShapes.ToDictionary(kv => kv.Key, kv => (long[])kv.Value.Clone(), StringComparer.Ordinal);
        var channels = Classify(context.Elements, out _elementGroup, out _elementChannel);
        Groups = Describe(context, channels);
        IndexCostTerms();
    }

    /// <summary>
    /// Numbers groups and channels. An element set's signature lists (binding, count) for every binding it appears
    /// in; sets with equal signatures form a group. Groups and channels are numbered in order of first appearance.
    /// Returns the channel count per group.
    /// </summary>
    private List<int> Classify(UnionFind elements, out int[] elementGroup, out int[] elementChannel)
    {
        var root = new int[elements.Count];
        for (var e = 0; e < root.Length; e++) root[e] = elements.Find(e);
        var signatures = new Dictionary<int, List<(int Binding, int Count)>>();
        var firstSeen = new List<int>();
        for (var b = 0; b < _bindings.Count; b++)
        {
            foreach (var e in _bindings[b].Elements)
            {
                if (!signatures.TryGetValue(root[e], out var signature))
                {
                    signatures[root[e]] = signature = [];
                    firstSeen.Add(root[e]);
                }

                if (signature.Count > 0 && signature[^1].Binding == b) signature[^1] = (b, signature[^1].Count + 1);
                else signature.Add((b, 1));
            }
        }

        var groupOfKey = new Dictionary<string, int>(StringComparer.Ordinal);
        var channels = new List<int>();
        var ofSet = new Dictionary<int, (int Group, int Channel)>();
        foreach (var r in firstSeen)
        {
            var key = string.Join(";", signatures[r].Select(s => $"{s.Binding}:{s.Count}"));
            if (!groupOfKey.TryGetValue(key, out var g))
            {
                groupOfKey[key] = g = channels.Count;
                channels.Add(0);
                _signatures.Add(signatures[r]);
            }

            ofSet[r] = (g, channels[g]++);
        }

        elementGroup = new int[root.Length];
        elementChannel = new int[root.Length];
        for (var e = 0; e < root.Length; e++)
        {
            // Every element sits in some binding; −1 would only mark an element no rule placed anywhere.
            (elementGroup[e], elementChannel[e]) = ofSet.TryGetValue(root[e], out var gc) ? gc : (-1, -1);
        }

        return channels;
    }

    /// <summary>Members (positions of each channel in each binding), producers, affected nodes, name and reason per group.</summary>
    private List<ChannelGroup> Describe(TraceContext context, List<int> channels)
    {
        var positions = new Dictionary<int, List<int>[]>[channels.Count];
        for (var g = 0; g < positions.Length; g++) positions[g] = [];
        for (var b = 0; b < _bindings.Count; b++)
        {
            var elements = _bindings[b].Elements;
            for (var p = 0; p < elements.Length; p++)
            {
                var (g, ch) = (_elementGroup[elements[p]], _elementChannel[elements[p]]);
                if (!positions[g].TryGetValue(b, out var perChannel))
                {
                    positions[g][b] = perChannel = new List<int>[channels[g]];
                    for (var k = 0; k < perChannel.Length; k++) perChannel[k] = [];
                }

                perChannel[ch].Add(p);
            }
        }

        var reasons = Enumerable.Range(0, channels.Count).Select(_ => new List<string>()).ToArray();
        foreach (var (ids, reason) in context.Fixed)
        {
            foreach (var g in ids.Select(id => _elementGroup[id]).Where(g => g >= 0).Distinct())
            {
                if (!reasons[g].Contains(reason)) reasons[g].Add(reason);
            }
        }

        var order = _nodes.Select((n, i) => (n.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
        var groups = new List<ChannelGroup>();
        for (var g = 0; g < channels.Count; g++)
        {
            var bindings = positions[g].Keys.Order().ToList();
            var members = bindings.Select(b => Member(_bindings[b], positions[g][b])).ToList();
            var producers = bindings.Select(b => _bindings[b]).OfType<TensorBinding>()
                .Where(t => t is { Role: TensorRole.Weight, Axis: 0, Op: OpKind.Conv or OpKind.Gemm })
                .Select(t => t.Node).Distinct().ToList();
            var affected = members.Where(m => m.Kind == MemberKind.Tensor).Select(m => m.Node)
                .Concat(members.Where(m => m.Kind == MemberKind.Value).SelectMany(m => ReadersAndWriter(Graph, m.Name)))
                .Distinct().OrderBy(n => order[n]).ToList();
            var reason = reasons[g].Count > 0 ? JoinReasons(reasons[g])
                : channels[g] == 1 ? "has a single channel (nothing to remove)"
                : null;
            groups.Add(new ChannelGroup(g, GroupName(members, producers), channels[g], reason, members, producers, affected));
        }

        return groups;
    }

    /// <summary>
    /// The reasons, one per line of thought: several nodes giving the same reason ("'a' (LayerNorm) normalises …",
    /// "'b' (LayerNorm) normalises …", as every block of a ConvNeXt stage does) are named once together.
    /// </summary>
    private static string JoinReasons(IReadOnlyList<string> reasons)
    {
        var merged = new List<(string Op, string Text, List<string> Nodes)>();
        foreach (var reason in reasons)
        {
            var match = System.Text.RegularExpressions.Regex.Match(reason, @"^('[^']*') \((\w+)\) (.+)$", System.Text.RegularExpressions.RegexOptions.Singleline);
            if (!match.Success)
            {
                merged.Add(("", reason, []));
                continue;
            }

            var (node, op, text) = (match.Groups[1].Value, match.Groups[2].Value, match.Groups[3].Value);
            var existing = merged.FindIndex(m => m.Op == op && m.Text == text && m.Nodes.Count > 0);
            if (existing >= 0) merged[existing].Nodes.Add(node);
            else merged.Add((op, text, [node]));
        }

        return string.Join("; ", merged.Select(m => m.Nodes.Count switch
        {
            0 => m.Text,
            1 => $"{m.Nodes[0]} ({m.Op}) {m.Text}",
            _ => $"{string.Join(", ", m.Nodes)} ({m.Op}, each) {m.Text}",
        }));
    }

    /// <summary>Each bound tensor axis, and each value's (last) channel dimension, as Σ multiplicity · group width.</summary>
    private void IndexCostTerms()
    {
        var termsOf = new Dictionary<int, List<Term>>();
        for (var g = 0; g < _signatures.Count; g++)
        {
            foreach (var (b, count) in _signatures[g])
            {
                if (!termsOf.TryGetValue(b, out var list)) termsOf[b] = list = [];
                list.Add(new Term(g, count));
            }
        }

        for (var b = 0; b < _bindings.Count; b++)
        {
            var terms = termsOf.TryGetValue(b, out var t) ? t.ToArray() : [];
            switch (_bindings[b])
            {
                case TensorBinding tb:
                    if (!_tensorTerms.TryGetValue(tb.Tensor, out var axes)) _tensorTerms[tb.Tensor] = axes = [];
                    axes.Add((tb.Axis, terms));
                    break;
                case ValueBinding vb when vb.Map.LastChannelDim >= 0:
                {
                    // Counts are over the whole map; its outer channel dimensions repeat every channel of the last one
                    // and keep their extent (see TraceContext.EnsureProductForm).
                    var last = vb.Map.LastChannelDim;
                    var outer = ChannelMap.Product(vb.Map.Dims) / vb.Map.Dims[last];
                    _valueTerms[vb.Value] = (last + 1, terms.Select(x => x with { Multiplicity = (int)(x.Multiplicity / outer) }).ToArray());
                    break;
                }
            }
        }
    }

    /// <summary>Finds the channel groups of <paramref name="graph"/> (which must stay unchanged while they are used).</summary>
    public static ChannelGroups Discover(ModelGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var context = new TraceContext(graph);
        var input = context.Output(graph.InputName, null, ChannelMap.Fresh(graph.InputShape, context.Elements));
        context.Fix(input, $"connected to the graph input '{graph.InputName}'");
        foreach (var node in graph.Nodes) ChannelRules.For(node.Op).Trace(node, context);
        // Every output's channels are what the user's code reads (a segmentation head's classes, an auxiliary head's).
        foreach (var output in graph.OutputNames) context.Fix(context.Maps[output], $"reaches the graph output '{output}'");
        return new ChannelGroups(graph, context);
    }

    public ModelGraph Graph { get; }

    public IReadOnlyList<ChannelGroup> Groups { get; }

    public int Count => Groups.Count;

    public ChannelGroup this[int id] => id >= 0 && id < Groups.Count ? Groups[id]
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"graph '{Graph.Name}' has groups 0…{Groups.Count - 1}");

    public IEnumerable<ChannelGroup> Prunable => Groups.Where(g => g.Prunable);

    /// <summary>Every group at its full width.</summary>
    public int[] FullWidths() => Groups.Select(g => g.Channels).ToArray();

    /// <summary>
    /// The shape every parameter, buffer and value would have with the given width per group, without compacting.
    /// Widths are indexed by group id; unprunable groups must stay at full width.
    /// </summary>
    public PredictedShapes PredictShapes(IReadOnlyList<int> widths)
    {
        CheckWidths(widths);
        long Extent(Term[] terms) => terms.Sum(t => (long)t.Multiplicity * widths[t.Group]);

        var tensors = new Dictionary<string, long[]>(_tensorShapes.Count, StringComparer.Ordinal);
        foreach (var (name, shape) in _tensorShapes)
        {
            var s = (long[])shape.Clone();
            if (_tensorTerms.TryGetValue(name, out var axes))
            {
                foreach (var (axis, terms) in axes) s[axis] = Extent(terms);
            }

            tensors[name] = s;
        }

        var values = new Dictionary<string, long[]>(_valueShapes.Count, StringComparer.Ordinal);
        foreach (var (name, shape) in _valueShapes)
        {
            var s = (long[])shape.Clone();
            if (_valueTerms.TryGetValue(name, out var v)) s[v.Axis] = Extent(v.Terms);
            values[name] = s;
        }

        return new PredictedShapes(tensors, values);
    }

    /// <summary>Throws when the graph changed since discovery (the groups would describe tensors that no longer exist).</summary>
    public void EnsureCurrent()
    {
        var state = Graph.StateDict();
        var changed = state.FirstOrDefault(kv => !_tensorShapes.TryGetValue(kv.Key, out var s) || !s.SequenceEqual(kv.Value.Shape));
        var nodesChanged = !Graph.Nodes.SequenceEqual(_nodes);
        if (changed.Key is not null || nodesChanged || state.Count != _tensorShapes.Count)
        {
            var what = changed.Key is not null
                ? $"'{changed.Key}' is now {Shapes.Format(changed.Value.Shape)}, was {Shapes.Format(_tensorShapes.GetValueOrDefault(changed.Key))}"
                : "its nodes changed";
            throw new InvalidOperationException(
                $"the channel groups were discovered on graph '{Graph.Name}' before it changed ({what}); discover them again");
        }
    }

    internal IEnumerable<TensorBinding> TensorBindings => _bindings.OfType<TensorBinding>();

    /// <summary>For each position of <paramref name="elements"/>, whether its channel is kept.</summary>
    internal bool[] Kept(int[] elements, GroupMasks masks) =>
        elements.Select(e => masks.IsKept(_elementGroup[e], _elementChannel[e])).ToArray();

    /// <summary>For each index along <paramref name="axis"/> of a value, whether any position at that index is kept.</summary>
    internal bool[] KeptAlong(string value, int axis, GroupMasks masks)
    {
        var map = _maps[value];
        var d = axis - 1;
        var extent = _valueShapes[value][axis];
        if (map.Dims[d] == 1) return Enumerable.Repeat(true, (int)extent).ToArray();
        var kept = new bool[extent];
        var stride = ChannelMap.Strides(map.Dims)[d];
        for (long p = 0; p < map.Ids.Length; p++)
        {
            if (masks.IsKept(_elementGroup[map.Ids[p]], _elementChannel[map.Ids[p]])) kept[p / stride % extent] = true;
        }

        return kept;
    }

    internal void CheckWidths(IReadOnlyList<int> widths)
    {
        if (widths.Count != Groups.Count)
        {
            throw new ArgumentException($"graph '{Graph.Name}' has {Groups.Count} channel groups; got {widths.Count} widths", nameof(widths));
        }

        foreach (var g in Groups)
        {
            var w = widths[g.Id];
            if (w < 1 || w > g.Channels)
            {
                throw new ArgumentOutOfRangeException(nameof(widths), w, $"group {g.Id} '{g.Name}' has {g.Channels} channels; its width must be 1…{g.Channels}");
            }

            if (!g.Prunable && w != g.Channels)
            {
                throw new ArgumentException($"group {g.Id} '{g.Name}' cannot be pruned ({g.Reason}); its width must stay {g.Channels}, got {w}", nameof(widths));
            }
        }
    }

    private static GroupMember Member(Binding binding, List<int>[] perChannel)
    {
        var positions = perChannel.Select(p => p.ToArray()).ToArray();
        return binding switch
        {
            TensorBinding t => new GroupMember(MemberKind.Tensor, t.Node, t.Tensor, t.Role, t.Axis, positions),
            ValueBinding v => new GroupMember(MemberKind.Value, v.Node ?? "", v.Value, null, Math.Max(v.Map.LastChannelDim, 0) + 1, positions),
            _ => throw new ArgumentOutOfRangeException(nameof(binding), binding, "unknown binding"),
        };
    }

    private static IEnumerable<string> ReadersAndWriter(ModelGraph graph, string value)
    {
        if (graph.Producer(value) is { } producer) yield return producer.Name;
        foreach (var c in graph.Consumers(value)) yield return c.Name;
    }

    private string GroupName(IReadOnlyList<GroupMember> members, IReadOnlyList<string> producers)
    {
        if (producers.Count == 0) return members.FirstOrDefault(m => m.Kind == MemberKind.Value)?.Name ?? members[0].Name;
        var filters = members.First(m => m.Node == producers[0] && m is { Kind: MemberKind.Tensor, Role: TensorRole.Weight, Axis: 0 });
        var rows = filters.Positions.SelectMany(p => p).Order().ToArray();
        var name = producers[0];
        if (rows.Length < _tensorShapes[filters.Name][0])
        {
            // Part of a layer's filters (the layer's output is split or sliced): say which.
            name += rows[^1] - rows[0] + 1 == rows.Length ? $"[{rows[0]}:{rows[^1] + 1}]" : $"[{rows.Length} of {_tensorShapes[filters.Name][0]}]";
        }

        return producers.Count > 1 ? $"{name} (+{producers.Count - 1} coupled)" : name;
    }
}

/// <summary>Shapes of every parameter/buffer and value for a width assignment (what cost models evaluate).</summary>
public sealed class PredictedShapes
{
    internal PredictedShapes(IReadOnlyDictionary<string, long[]> tensors, IReadOnlyDictionary<string, long[]> values)
    {
        Tensors = tensors;
        Values = values;
    }

    public IReadOnlyDictionary<string, long[]> Tensors { get; }

    public IReadOnlyDictionary<string, long[]> Values { get; }

    public long[] Tensor(string name) => Tensors.TryGetValue(name, out var s) ? s : throw new KeyNotFoundException($"no parameter or buffer '{name}'");

    public long[] Value(string name) => Values.TryGetValue(name, out var s) ? s : throw new KeyNotFoundException($"no value '{name}'");
}
