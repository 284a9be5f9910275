using Toolchain.Graph.Execution;
using Toolchain.Torch;

namespace Toolchain.Graph;

/// <summary>
/// The one model representation: nodes in topological order, the values between them with inferred shapes, and
/// the parameters (trainable) and buffers (BatchNorm running statistics) it owns, named as in PyTorch's
/// state_dict. Runs forward (and, through autograd, backward) on libtorch. Edits go through
/// <see cref="Edit"/>, which re-infers shapes and rejects inconsistent results before changing anything.
/// </summary>
public sealed class ModelGraph : IDisposable
{
    private readonly List<Node> _nodes;
    private readonly Dictionary<string, int> _nodeIndex = new(StringComparer.Ordinal);
    private readonly List<Parameter> _parameters;
    private readonly Dictionary<string, Parameter> _parameterByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _buffers;
    private readonly List<string> _bufferOrder;
    private readonly long[] _inputShape;
    private Dictionary<string, long[]> _shapes;
    private Dictionary<string, Node> _producers = new(StringComparer.Ordinal);
    private Dictionary<string, List<Node>> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ParameterTransform> _transforms = new(StringComparer.Ordinal);
    private ExecutionPlan? _plan;
    private bool _disposed;

    private ModelGraph(string name, string inputName, long[] inputShape, IReadOnlyList<string> outputNames, List<Node> nodes,
        List<Parameter> parameters, List<(string Name, Tensor Value)> buffers)
    {
        Name = name;
        InputName = inputName;
        if (outputNames.Count == 0) throw new ArgumentException($"graph '{name}' has no output");
        if (outputNames.Distinct(StringComparer.Ordinal).Count() != outputNames.Count)
        {
            throw new ArgumentException($"graph '{name}': outputs [{string.Join(", ", outputNames)}] name a value twice");
        }

        OutputNames = outputNames.ToArray();
        _inputShape = (long[])inputShape.Clone();
        _nodes = nodes;
        _parameters = parameters;
        _buffers = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        _bufferOrder = [];
        foreach (var p in parameters)
        {
            if (!_parameterByName.TryAdd(p.Name, p)) throw new ArgumentException($"graph '{name}': parameter '{p.Name}' appears twice");
        }

        foreach (var (bufferName, value) in buffers)
        {
            if (_parameterByName.ContainsKey(bufferName) || !_buffers.TryAdd(bufferName, value.DetachFromScope()))
            {
                throw new ArgumentException($"graph '{name}': buffer '{bufferName}' appears twice or also names a parameter");
            }

            _bufferOrder.Add(bufferName);
        }

        Validate();
        _shapes = ShapeInference.Infer(_nodes, InputName, _inputShape, TensorShape);
        foreach (var output in OutputNames.Where(o => !_shapes.ContainsKey(o)))
        {
            throw new ArgumentException($"graph '{name}': output '{output}' is not produced by any node");
        }

        Index();
    }

    /// <summary>
    /// Creates a graph that takes ownership of <paramref name="parameters"/> and <paramref name="buffers"/>; when the
    /// structure is invalid it disposes them and throws (<see cref="GraphShapeException"/> for shapes).
    /// </summary>
    public static ModelGraph Create(string name, string inputName, long[] inputShape, string outputName, IEnumerable<Node> nodes,
        IEnumerable<Parameter> parameters, IEnumerable<(string Name, Tensor Value)> buffers) =>
        Create(name, inputName, inputShape, [outputName], nodes, parameters, buffers);

    /// <summary>Like the one-output <see cref="Create(string, string, long[], string, IEnumerable{Node}, IEnumerable{Parameter}, IEnumerable{ValueTuple{string, Tensor}})"/>, for a graph with several outputs (the first is <see cref="OutputName"/>).</summary>
    public static ModelGraph Create(string name, string inputName, long[] inputShape, IReadOnlyList<string> outputNames, IEnumerable<Node> nodes,
        IEnumerable<Parameter> parameters, IEnumerable<(string Name, Tensor Value)> buffers)
    {
        var parameterList = parameters.ToList();
        var bufferList = buffers.ToList();
        try
        {
            return new ModelGraph(name, inputName, inputShape, outputNames, nodes.ToList(), parameterList, bufferList);
        }
        catch
        {
            foreach (var p in parameterList) p.Dispose();
            foreach (var (_, t) in bufferList) t.Dispose();
            throw;
        }
    }

    public string Name { get; }

    public string InputName { get; }

    /// <summary>The first (for most models the only) output: what <see cref="Forward(Tensor)"/> returns, trainers take the loss of and evaluators score.</summary>
    public string OutputName => OutputNames[0];

    /// <summary>
    /// Every output, in the model's order (a segmentation net's scores and its auxiliary head; a detector's boxes and
    /// classes). Each is kept by the executor, exported, and fixes the channels that reach it.
    /// </summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>Whether <paramref name="value"/> is one of the graph's outputs.</summary>
    public bool IsOutput(string value) => OutputNames.Contains(value, StringComparer.Ordinal);

    /// <summary>The input shape shapes are inferred for, e.g. [1, 3, 32, 32]; forward accepts any batch size.</summary>
    public long[] InputShape => (long[])_inputShape.Clone();

    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>Trainable tensors in definition order (what an optimizer takes).</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Non-trainable state (BatchNorm running_mean/running_var) by name, in definition order.</summary>
    public IReadOnlyDictionary<string, Tensor> Buffers => _bufferOrder.ToDictionary(n => n, n => _buffers[n]);

    public IReadOnlyList<string> BufferNames => _bufferOrder;

    /// <summary>Training mode: BatchNorm uses batch statistics and updates running ones; dropout is active.</summary>
    public bool Training { get; set; }

    /// <summary>Every value's shape at <see cref="InputShape"/>.</summary>
    public IReadOnlyDictionary<string, long[]> ValueShapes => _shapes;

    public long[] ShapeOf(string value) => _shapes.TryGetValue(value, out var s)
        ? (long[])s.Clone()
        : throw new KeyNotFoundException($"graph '{Name}' has no value '{value}'");

    public long[] OutputShape => ShapeOf(OutputName);

    public Node GetNode(string name) => _nodeIndex.TryGetValue(name, out var i)
        ? _nodes[i]
        : throw new KeyNotFoundException($"graph '{Name}' has no node '{name}'");

    /// <summary>The node producing <paramref name="value"/>, or null for the graph input.</summary>
    public Node? Producer(string value) => _producers.GetValueOrDefault(value);

    /// <summary>The nodes reading <paramref name="value"/>, in topological order.</summary>
    public IReadOnlyList<Node> Consumers(string value) => _consumers.TryGetValue(value, out var c) ? c : [];

    public Parameter? FindParameter(string name) => _parameterByName.GetValueOrDefault(name);

    public Parameter GetParameter(string name) => FindParameter(name)
        ?? throw new KeyNotFoundException($"graph '{Name}' has no parameter '{name}'");

    /// <summary>A parameter's value or a buffer, by state_dict name (owned by the graph).</summary>
    public Tensor GetTensor(string name) =>
        _parameterByName.TryGetValue(name, out var p) ? p.Value
        : _buffers.TryGetValue(name, out var b) ? b
        : throw new KeyNotFoundException($"graph '{Name}' has no parameter or buffer '{name}'");

    /// <summary>Parameters then buffers by name (owned by the graph): PyTorch's state_dict, minus num_batches_tracked.</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var p in _parameters) result[p.Name] = p.Value;
        foreach (var b in _bufferOrder) result[b] = _buffers[b];
        return result;
    }

    // ---- execution ---------------------------------------------------------------------------------------

    /// <summary>
    /// Runs the graph on <paramref name="input"/> [N, …] in the current mode. The result belongs to the enclosing
    /// <see cref="DisposeScope"/>, or to the caller when none is open; intermediates are freed on the way.
    /// </summary>
    public Tensor Forward(Tensor input) => Plan.Run(input, Training, null, null);

    /// <summary>Every output of <see cref="OutputNames"/>, in that order (ownership as for <see cref="Forward(Tensor)"/>).</summary>
    public IReadOnlyList<Tensor> ForwardAll(Tensor input)
    {
        if (OutputNames.Count == 1) return [Forward(input)];
        var result = Forward(input, OutputNames.Skip(1).ToHashSet(StringComparer.Ordinal));
        return [result.Output, .. OutputNames.Skip(1).Select(o => result.Captured[o])];
    }

    /// <summary>Like <see cref="Forward(Tensor)"/>, also returning the values named in <paramref name="capture"/>.</summary>
    public ForwardResult Forward(Tensor input, IReadOnlySet<string> capture)
    {
        var captured = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var output = Plan.Run(input, Training, capture, captured);
        return new ForwardResult(output, captured);
    }

    /// <summary>Clears every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters) p.ZeroGrad();
    }

    private ExecutionPlan Plan
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _plan ??= new ExecutionPlan(this, TensorAccessor);
        }
    }

    /// <summary>
    /// Makes the forward use <paramref name="transform"/>(value, training) instead of the parameter's value (a soft mask
    /// v = w·gate, say), or the value itself again when <paramref name="transform"/> is null. The parameter keeps its
    /// value: the optimizer, exports and counts see w, only the forward sees the transform. Each forward calls the
    /// transform once per use inside the forward's dispose scope, which owns and frees what it returns; autograd keeps
    /// what backward needs. Exported ONNX holds the values, not the transforms: a method removes its transforms and
    /// sets hard masks before the graph leaves it.
    /// </summary>
    public void SetParameterTransform(string name, ParameterTransform? transform)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_parameterByName.ContainsKey(name)) throw new KeyNotFoundException($"graph '{Name}' has no parameter '{name}' to transform");
        if (transform is null) _transforms.Remove(name);
        else _transforms[name] = transform;
    }

    /// <summary>The parameters whose forward value is transformed (<see cref="SetParameterTransform"/>).</summary>
    public IReadOnlyCollection<string> TransformedParameters => _transforms.Keys;

    private Func<Tensor> TensorAccessor(string name)
    {
        // The transform is looked up at every call, so setting or clearing one needs no new plan.
        if (_parameterByName.TryGetValue(name, out var p)) return () => _transforms.TryGetValue(name, out var f) ? f(p.Value, Training) : p.Value;
        var buffer = _buffers[name];
        return () => buffer;
    }

    // ---- counting ----------------------------------------------------------------------------------------

    /// <summary>Per node: name, op, output shape, trainable parameters and multiply-accumulates.</summary>
    public IReadOnlyList<NodeSummary> Summary() => _nodes.Select(n => new NodeSummary(
        n.Name, n.Op, ShapeOf(n.Output), CostCounter.Parameters(n, TensorShape), CostCounter.Macs(n, _shapes, TensorShape))).ToList();

    /// <summary>Trainable parameter count (BatchNorm scale/shift included, running statistics not).</summary>
    public long ParameterCount => _parameters.Sum(p => p.NumElements);

    /// <summary>Multiply-accumulates of one forward pass at <see cref="InputShape"/> (conv and Gemm only, as published counts).</summary>
    public long Macs => _nodes.Sum(n => CostCounter.Macs(n, _shapes, TensorShape));

    // ---- editing -----------------------------------------------------------------------------------------

    /// <summary>
    /// Applies an edit atomically: new tensors for parameters/buffers (ownership passes to the graph) and new
    /// attributes for nodes, then re-infers shapes. When the result is inconsistent nothing changes, the new
    /// tensors are disposed and a <see cref="GraphShapeException"/> explains why. This is what pruning calls.
    /// </summary>
    public void Edit(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, OpAttributes>? attributes = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Dictionary<string, long[]> shapes;
        var nodes = _nodes;
        try
        {
            foreach (var name in tensors.Keys)
            {
                if (!_parameterByName.ContainsKey(name) && !_buffers.ContainsKey(name))
                {
                    throw new KeyNotFoundException($"graph '{Name}' has no parameter or buffer '{name}' to replace");
                }
            }

            if (attributes is { Count: > 0 })
            {
                nodes = _nodes.ToList();
                foreach (var (nodeName, value) in attributes)
                {
                    var i = _nodeIndex.TryGetValue(nodeName, out var index) ? index
                        : throw new KeyNotFoundException($"graph '{Name}' has no node '{nodeName}' to change");
                    nodes[i] = nodes[i] with { Attributes = value };
                }
            }

            shapes = ShapeInference.Infer(nodes, InputName, _inputShape,
                name => tensors.TryGetValue(name, out var t) ? t.Shape : TensorShape(name));
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }

        foreach (var (name, value) in tensors)
        {
            if (_parameterByName.TryGetValue(name, out var p))
            {
                var fresh = TakeLeaf(value);
                if (p.Mask is not null && !p.Shape.SequenceEqual(fresh.Shape)) p.Mask = null;
                p.Replace(fresh);
            }
            else
            {
                _buffers[name].Dispose();
                _buffers[name] = TakeLeaf(value);
            }
        }

        if (!ReferenceEquals(nodes, _nodes))
        {
            _nodes.Clear();
            _nodes.AddRange(nodes);
            Index();
        }

        _shapes = shapes;
        _plan = null;
    }

    /// <summary>Replaces one parameter or buffer (see <see cref="Edit"/>).</summary>
    public void ReplaceTensor(string name, Tensor value) => Edit(new Dictionary<string, Tensor> { [name] = value });

    // A parameter must be a leaf; a computed tensor is cut from its history (the copy shares storage).
    private static Tensor TakeLeaf(Tensor value)
    {
        value.DetachFromScope();
        if (value.IsLeaf) return value;
        var leaf = value.Detach().DetachFromScope();
        value.Dispose();
        return leaf;
    }

    // ---- internals ---------------------------------------------------------------------------------------

    private long[]? TensorShape(string name) =>
        _parameterByName.TryGetValue(name, out var p) ? p.Shape
        : _buffers.TryGetValue(name, out var b) ? b.Shape
        : null;

    private void Validate()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in _nodes)
        {
            if (!names.Add(node.Name)) throw new ArgumentException($"graph '{Name}': node name '{node.Name}' appears twice");
            foreach (var (role, tensorName) in node.Tensors)
            {
                var isParameter = _parameterByName.ContainsKey(tensorName);
                if (!isParameter && !_buffers.ContainsKey(tensorName))
                {
                    throw new ArgumentException($"graph '{Name}': node '{node.Name}' ({node.Op}) uses {role.Suffix()} '{tensorName}', which the graph does not hold");
                }

                if (isParameter != role.IsTrainable())
                {
                    throw new ArgumentException($"graph '{Name}': node '{node.Name}' uses '{tensorName}' as {role.Suffix()}, " +
                                                $"which must be a {(role.IsTrainable() ? "parameter" : "buffer")}");
                }

                used.Add(tensorName);
            }
        }

        var unused = _parameterByName.Keys.Concat(_bufferOrder).Where(n => !used.Contains(n)).ToList();
        if (unused.Count > 0) throw new ArgumentException($"graph '{Name}': tensors no node uses: {string.Join(", ", unused)}");
    }

    private void Index()
    {
        _nodeIndex.Clear();
        _producers = new Dictionary<string, Node>(StringComparer.Ordinal);
        _consumers = new Dictionary<string, List<Node>>(StringComparer.Ordinal);
        for (var i = 0; i < _nodes.Count; i++)
        {
            var node = _nodes[i];
            _nodeIndex[node.Name] = i;
            foreach (var o in node.Outputs) _producers[o] = node;
            foreach (var input in node.Inputs)
            {
                if (!_consumers.TryGetValue(input, out var list)) _consumers[input] = list = [];
                if (!list.Contains(node)) list.Add(node);
            }
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var p in _parameters) p.Dispose();
        foreach (var b in _buffers.Values) b.Dispose();
        _plan = null;
    }

    public override string ToString() => $"{Name}: {_nodes.Count} nodes, {ParameterCount:N0} parameters, {Macs:N0} MACs";
}
