using Onnx;
using Toolchain.Graph;
using Toolchain.Torch;

namespace Toolchain.Onnx.Import;

/// <summary>
/// What the converters share while one ONNX graph becomes a <see cref="ModelGraph"/>: every ONNX value is either
/// an activation (a value of the graph being built) or a <see cref="ConstantValue"/> (known at import time and
/// folded, never a node), plus the builder, the names and a view of who reads which value.
/// </summary>
internal sealed class ImportContext
{
    private readonly Dictionary<string, string> _activations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConstantValue> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<NodeProto>> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeProto> _producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Value, string Name)> _channelsLast = new(StringComparer.Ordinal);
    private readonly HashSet<string> _graphOutputs;
    private readonly HashSet<NodeProto> _consumed = new(ReferenceEqualityComparer.Instance);
    private readonly NodeNaming _naming;

    public ImportContext(GraphProto graph, GraphBuilder builder, NodeNaming naming)
    {
        Builder = builder;
        _naming = naming;
        _graphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var output in node.Output.Where(o => o.Length > 0)) _producers.TryAdd(output, node);
            foreach (var input in node.Input.Where(i => i.Length > 0).Distinct())
            {
                if (!_consumers.TryGetValue(input, out var list)) _consumers[input] = list = [];
                list.Add(node);
            }
        }
    }

    public GraphBuilder Builder { get; }

    // ---- values ------------------------------------------------------------------------------------------

    public void DefineActivation(string onnxName, string value)
    {
        CheckNew(onnxName);
        _activations[onnxName] = value;
    }

    public void DefineConstant(string onnxName, ConstantValue value)
    {
        CheckNew(onnxName);
        _constants[onnxName] = value;
    }

    public bool IsActivation(string onnxName) => _activations.ContainsKey(onnxName) || _channelsLast.ContainsKey(onnxName);

    public bool TryGetActivation(string onnxName, out string value)
    {
        if (_activations.TryGetValue(onnxName, out value!)) return true;
        if (!_channelsLast.ContainsKey(onnxName)) return false;
        value = Materialise(onnxName);
        return true;
    }

    /// <summary>
    /// Defines <paramref name="onnxName"/> as the channels-last (NHWC, perm [0, 2, 3, 1]) transpose of the 4-D graph
    /// value <paramref name="value"/>, without a node: ConvNeXt's LayerNorm, Linear layers and GELU run in NHWC in
    /// PyTorch and become channel ops on <paramref name="value"/> (see <see cref="TryGetChannelsLast"/>); any other
    /// reader gets the transpose, made once when first asked for and named <paramref name="name"/>.
    /// </summary>
    public void DefineChannelsLast(string onnxName, string value, string name)
    {
        CheckNew(onnxName);
        _channelsLast[onnxName] = (value, name);
    }

    /// <summary>Whether <paramref name="onnxName"/> is the channels-last view of a 4-D graph value, and which.</summary>
    public bool TryGetChannelsLast(string onnxName, out string value)
    {
        var found = _channelsLast.TryGetValue(onnxName, out var entry);
        value = entry.Value;
        return found;
    }

    private string Materialise(string onnxName)
    {
        var (value, name) = _channelsLast[onnxName];
        var transposed = Emit(UniqueName(name), OpKind.Transpose, [value], new TransposeAttributes([0, 2, 3, 1]))[0];
        _activations[onnxName] = transposed;
        return transposed;
    }

    public bool TryGetConstant(string onnxName, out ConstantValue value) => _constants.TryGetValue(onnxName, out value!);

    /// <summary>Whether input <paramref name="index"/> is given (optional inputs may be missing or named "").</summary>
    public static bool HasInput(NodeProto node, int index) => index < node.Input.Count && node.Input[index].Length > 0;

    public bool IsConstantInput(NodeProto node, int index) => HasInput(node, index) && _constants.ContainsKey(node.Input[index]);

    /// <summary>Input <paramref name="index"/>, which must be computed from the graph input.</summary>
    public string Activation(NodeProto node, int index)
    {
        var name = Input(node, index);
        if (_activations.TryGetValue(name, out var value)) return value;
        if (_channelsLast.ContainsKey(name)) return Materialise(name);
        if (_constants.ContainsKey(name))
        {
            throw new NotSupportedException($"input {index} ('{name}') is a constant; {node.OpType} is supported only on values computed from the graph input");
        }

        throw Unknown(name);
    }

    /// <summary>Input <paramref name="index"/>, which must be known at import time (an initializer or computed from constants).</summary>
    public ConstantValue Constant(NodeProto node, int index, string role)
    {
        var name = Input(node, index);
        if (_constants.TryGetValue(name, out var value)) return value;
        if (_activations.ContainsKey(name))
        {
            throw new NotSupportedException($"its {role} (input {index}, '{name}') depends on the graph input; it must be a constant " +
                                            "(an initializer or computed from constants only)");
        }

        throw Unknown(name);
    }

    public ConstantValue? OptionalConstant(NodeProto node, int index, string role) => HasInput(node, index) ? Constant(node, index, role) : null;

    private static string Input(NodeProto node, int index) =>
        HasInput(node, index) ? node.Input[index] : throw new InvalidDataException($"{node.OpType} needs input {index}, which is missing");

    private static InvalidDataException Unknown(string name) =>
        new($"reads '{name}', which is neither the graph input, an initializer nor the output of an earlier node (nodes must be in topological order)");

    private void CheckNew(string onnxName)
    {
        if (_activations.ContainsKey(onnxName) || _constants.ContainsKey(onnxName) || _channelsLast.ContainsKey(onnxName))
        {
            throw new InvalidDataException($"value '{onnxName}' is produced twice");
        }
    }

    // ---- graph structure ---------------------------------------------------------------------------------

    /// <summary>The node that writes <paramref name="onnxName"/>, or null (the graph input, an initializer).</summary>
    public NodeProto? Producer(string onnxName) => _producers.GetValueOrDefault(onnxName);

    /// <summary>The nodes that read <paramref name="onnxName"/>.</summary>
    public IReadOnlyList<NodeProto> Consumers(string onnxName) => _consumers.TryGetValue(onnxName, out var list) ? list : [];

    public bool IsGraphOutput(string onnxName) => _graphOutputs.Contains(onnxName);

    /// <summary>Whether anything reads <paramref name="onnxName"/> (another node or the graph output).</summary>
    public bool IsUsed(string onnxName) => IsGraphOutput(onnxName) || Consumers(onnxName).Count > 0;

    /// <summary>Marks a later node as already converted (folded into an earlier one).</summary>
    public void MarkConsumed(NodeProto node) => _consumed.Add(node);

    public bool IsConsumed(NodeProto node) => _consumed.Contains(node);

    /// <summary>Outputs from <paramref name="from"/> on (optional extras such as a mask) must be unused.</summary>
    public void RequireUnusedOutputs(NodeProto node, int from, string what)
    {
        for (var i = from; i < node.Output.Count; i++)
        {
            if (node.Output[i].Length > 0 && IsUsed(node.Output[i]))
            {
                throw new NotSupportedException($"its output {i} ('{node.Output[i]}', {what}) is used; the importer supports only the first output");
            }
        }
    }

    // ---- emitting ----------------------------------------------------------------------------------------

    public long[] ShapeOf(string activation) => Builder.ShapeOf(activation);

    public string NodeName(NodeProto node) => _naming.NameFor(node);

    public string UniqueName(string candidate) => _naming.Unique(candidate);

    /// <summary>
    /// Appends a node named <paramref name="name"/>. The tensor factories run here; the builder owns what they
    /// create, and if one fails those created before are disposed.
    /// </summary>
    public IReadOnlyList<string> Emit(string name, OpKind op, IReadOnlyList<string> inputs, OpAttributes attributes,
        IReadOnlyList<(TensorRole Role, Func<Tensor> Create)>? tensors = null)
    {
        var created = new Dictionary<TensorRole, Tensor>();
        try
        {
            foreach (var (role, create) in tensors ?? []) created[role] = create();
        }
        catch
        {
            foreach (var t in created.Values) t.Dispose();
            throw;
        }

        return Builder.AddNode(name, op, inputs, attributes, created);
    }

    /// <summary>Converts a one-output ONNX node to one graph node and binds its output.</summary>
    public void EmitSingle(NodeProto node, OpKind op, IReadOnlyList<string> inputs, OpAttributes attributes,
        IReadOnlyList<(TensorRole Role, Func<Tensor> Create)>? tensors = null)
    {
        RequireUnusedOutputs(node, 1, "an optional output");
        var outputs = Emit(NodeName(node), op, inputs, attributes, tensors);
        DefineActivation(node.Output[0], outputs[0]);
    }
}
