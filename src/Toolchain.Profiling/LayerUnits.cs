using Toolchain.Graph;

namespace Toolchain.Profiling;

/// <summary>
/// One timed layer of a model: a head node and the nodes deployed fused with it. <see cref="Nodes"/>[0] is the head;
/// its latency is charged there, the fused nodes cost nothing on their own.
/// </summary>
public sealed record LayerUnit(LayerConfig Config, IReadOnlyList<Node> Nodes)
{
    public Node Head => Nodes[0];

    public string Name => Head.Name;

    /// <summary>The values whose channel counts are the table's axes: the head's input and output, or its input.</summary>
    public IReadOnlyList<string> AxisValues => Config.IsTwoDimensional ? [Head.Inputs[0], Head.Output] : [Head.Inputs[0]];

    /// <summary>The value the layer hands on (after everything fused into it).</summary>
    public string Output => Nodes[^1].Output;

    /// <summary>The other operand of the fused residual Add, or null.</summary>
    public string? ResidualOperand
    {
        get
        {
            var index = Nodes.Select((n, i) => (n, i)).FirstOrDefault(x => x.n.Op == OpKind.Add && x.i > 0).i;
            if (index == 0) return null;
            var add = Nodes[index];
            var own = Nodes[index - 1].Output;
            return add.Inputs[0] == own ? add.Inputs[1] : add.Inputs[0];
        }
    }

    /// <summary>The widths this layer runs at (one per axis of its table) given every value's shape.</summary>
    public int[] Dims(Func<string, long[]> valueShape) => AxisValues.Select(v => (int)valueShape(v)[1]).ToArray();
}

/// <summary>
/// Splits a graph into <see cref="LayerUnit"/>s the way ONNX Runtime deploys it: a Conv absorbs the BatchNorm that
/// follows it (folded at export), then a residual Add, then one activation (ORT fuses Conv+Add+activation into one
/// kernel); a Gemm absorbs an activation. Pools, standalone elementwise ops, BatchNorms and LayerNorms are layers of their own.
/// Flatten, Reshape, Identity and Dropout move no data (or vanish at export) and cost nothing here; what they and
/// the engine's per-run overhead cost is the profile's whole-model calibration.
/// </summary>
public static class LayerUnits
{
    private enum Role
    {
        Head,
        Standalone,
        Free,
        Unsupported,
    }

    private static Role RoleOf(OpKind op) => op switch
    {
        OpKind.Conv or OpKind.Gemm => Role.Head,
        OpKind.BatchNorm or OpKind.Relu or OpKind.Relu6 or OpKind.Clip or OpKind.HardSwish or OpKind.HardSigmoid
            or OpKind.Sigmoid or OpKind.SiLU or OpKind.Gelu or OpKind.Add or OpKind.Mul or OpKind.MaxPool or OpKind.AveragePool
            or OpKind.GlobalAveragePool or OpKind.LayerNorm => Role.Standalone,
        OpKind.Flatten or OpKind.Reshape or OpKind.Identity or OpKind.Dropout => Role.Free,
        // Not timed yet: these move data in ways the unit graphs do not model. Pad and ReduceMean (global pooling as
        // mean([2, 3]), a Pad of zeros before an AveragePool) would be cheap standalone layers once UnitGraphs can build them.
        OpKind.Concat or OpKind.Split or OpKind.Slice or OpKind.Transpose or OpKind.Pad or OpKind.ReduceMean => Role.Unsupported,
        // Timed per output size and interpolation (LayerConfig.ResizeTo, Interpolation).
        OpKind.Resize => Role.Standalone,
    };

    /// <summary>Activations ONNX Runtime fuses into the preceding Conv/Gemm (MLAS activation kinds).</summary>
    public static bool IsFusableActivation(OpKind op) => op is OpKind.Relu or OpKind.Relu6 or OpKind.Clip or OpKind.Sigmoid or OpKind.HardSigmoid;

    /// <summary>The layers of <paramref name="graph"/> in graph order.</summary>
    /// <exception cref="NotSupportedException">A node the profiler cannot time (named, with its op).</exception>
    public static IReadOnlyList<LayerUnit> Decompose(ModelGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        var units = new List<LayerUnit>();
        foreach (var node in graph.Nodes)
        {
            if (claimed.Contains(node.Name)) continue;
            switch (RoleOf(node.Op))
            {
                case Role.Head:
                {
                    var nodes = FusedChain(graph, node, claimed);
                    foreach (var n in nodes) claimed.Add(n.Name);
                    units.Add(new LayerUnit(HeadConfig(graph, nodes), nodes));
                    break;
                }

                case Role.Standalone:
                    claimed.Add(node.Name);
                    units.Add(new LayerUnit(StandaloneConfig(graph, node), [node]));
                    break;
                case Role.Free:
                    break;
                case Role.Unsupported:
                    throw new NotSupportedException(
                        $"graph '{graph.Name}': node '{node.Name}' ({node.Op}) cannot be timed by the latency profiler yet " +
                        "(it times Conv/Gemm layers with their fused BatchNorm, Add and activation, pools, LayerNorms and elementwise ops)");
            }
        }

        return units;
    }

    /// <summary>Conv → [BatchNorm] → [Add] → [activation], or Gemm → [activation], each link the only reader of the previous value.</summary>
    private static List<Node> FusedChain(ModelGraph graph, Node head, HashSet<string> claimed)
    {
        var chain = new List<Node> { head };
        var value = head.Output;
        Node? Next(Func<Node, bool> accept)
        {
            if (graph.IsOutput(value)) return null;
            var readers = graph.Consumers(value);
            return readers.Count == 1 && !claimed.Contains(readers[0].Name) && accept(readers[0]) ? readers[0] : null;
        }

        void Take(Node n)
        {
            chain.Add(n);
            value = n.Output;
        }

        if (head.Op == OpKind.Conv)
        {
            if (Next(n => n.Op == OpKind.BatchNorm) is { } bn) Take(bn);
            if (Next(n => n.Op == OpKind.Add && n.Inputs.Count == 2 && n.Inputs[0] != n.Inputs[1] && SameShape(graph, n)) is { } add) Take(add);
        }

        if (Next(n => IsFusableActivation(n.Op)) is { } activation) Take(activation);
        return chain;
    }

    private static bool SameShape(ModelGraph graph, Node binary) =>
        graph.ShapeOf(binary.Inputs[0]).SequenceEqual(graph.ShapeOf(binary.Inputs[1]));

    private static LayerConfig HeadConfig(ModelGraph graph, List<Node> chain)
    {
        var head = chain[0];
        var activation = chain.FirstOrDefault(n => IsFusableActivation(n.Op))?.Op;
        if (head.Op == OpKind.Gemm)
        {
            if (graph.ShapeOf(head.Inputs[0]).Length != 2) throw new NotSupportedException($"graph '{graph.Name}': Gemm '{head.Name}' reads a value that is not [N, features]");
            return new LayerConfig { Op = OpKind.Gemm, Activation = activation, ReadsGraphInput = head.Inputs[0] == graph.InputName };
        }

        var a = head.AttributesAs<ConvAttributes>();
        var input = graph.ShapeOf(head.Inputs[0]);
        var weight = graph.GetTensor(head.TensorName(TensorRole.Weight)!).Shape;
        var depthwise = 0;
        if (a.Groups > 1)
        {
            if (a.Groups != input[1])
            {
                throw new NotSupportedException(
                    $"graph '{graph.Name}': conv '{head.Name}' has {a.Groups} groups over {input[1]} input channels; the profiler times dense and depthwise convs only");
            }

            depthwise = (int)(weight[0] / a.Groups);
        }

        return new LayerConfig
        {
            Op = OpKind.Conv,
            Kernel = [a.Kernel.H, a.Kernel.W],
            Stride = [a.Stride.H, a.Stride.W],
            Padding = [a.Padding.H, a.Padding.W],
            Dilation = [a.Dilation.H, a.Dilation.W],
            Depthwise = depthwise,
            InputSize = [input[2], input[3]],
            ReadsGraphInput = head.Inputs[0] == graph.InputName,
            BatchNorm = chain.Any(n => n.Op == OpKind.BatchNorm),
            Residual = chain.Any(n => n.Op == OpKind.Add),
            Activation = activation,
        };
    }

    private static LayerConfig StandaloneConfig(ModelGraph graph, Node node)
    {
        var input = graph.ShapeOf(node.Inputs[0]);
        if (input.Length != 4) throw new NotSupportedException($"graph '{graph.Name}': {node.Op} '{node.Name}' reads a {input.Length}-D value; standalone layers are timed on [N, C, H, W]");
        if (node.Op is OpKind.Add or OpKind.Mul && !SameShape(graph, node))
        {
            throw new NotSupportedException($"graph '{graph.Name}': {node.Op} '{node.Name}' broadcasts; the profiler times elementwise ops on equal shapes only");
        }

        var config = new LayerConfig { Op = node.Op, InputSize = [input[2], input[3]], ReadsGraphInput = node.Inputs.Contains(graph.InputName) };
        if (node.Op == OpKind.Resize)
        {
            var a = node.AttributesAs<ResizeAttributes>();
            var output = graph.ShapeOf(node.Output);
            return config with { ResizeTo = [output[2], output[3]], Interpolation = LayerConfig.InterpolationOf(a) };
        }

        if (node.Op is OpKind.MaxPool or OpKind.AveragePool)
        {
            var p = node.AttributesAs<PoolAttributes>();
            config = config with
            {
                Kernel = [p.Kernel, p.Kernel],
                Stride = [p.Stride, p.Stride],
                Padding = [p.Padding, p.Padding],
                CeilMode = p.CeilMode,
                CountIncludePad = node.Op == OpKind.AveragePool && p.CountIncludePad,
            };
        }

        return config;
    }
}
