using Toolchain.Torch;

namespace Toolchain.Graph;

/// <summary>
/// Builds a <see cref="ModelGraph"/> in the order the architecture reads: each method appends a node and returns
/// the name of its output value. Weights are created immediately with PyTorch's initialisation from the seed, and
/// shapes are inferred as nodes are added, so a mistake fails at the line that makes it. Parameter names are
/// "{layer name}.weight" etc., the layer name defaulting to a generated one.
/// </summary>
public sealed class GraphBuilder : IDisposable
{
    private readonly string _name;
    private readonly long[] _inputShape;
    private readonly List<Node> _nodes = [];
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);
    private readonly List<Parameter> _parameters = [];
    private readonly List<(string Name, Tensor Value)> _buffers = [];
    private readonly Dictionary<string, long[]> _tensorShapes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _valueShapes = new(StringComparer.Ordinal);
    private readonly Dictionary<OpKind, int> _counters = [];
    private readonly Generator? _generator;
    private string? _output;
    private readonly List<string> _moreOutputs = [];
    private bool _built;

    /// <param name="name">The model's name.</param>
    /// <param name="inputShape">[N, C, H, W] the shapes are inferred for.</param>
    /// <param name="seed">
    /// Seeds the builder's own generator, so the initial weights depend on the seed alone, not on what the process drew
    /// before or draws meanwhile (the weights are those PyTorch draws after <c>torch.manual_seed(seed)</c>); null draws
    /// from libtorch's global generator (for graphs whose weights are replaced, as the ONNX importer's are).
    /// </param>
    public GraphBuilder(string name, long[] inputShape, ulong? seed = 0, string inputName = "input")
    {
        _name = name;
        _inputShape = (long[])inputShape.Clone();
        Input = inputName;
        _valueShapes[inputName] = _inputShape;
        if (seed is { } s) _generator = new Generator(s);
    }

    /// <summary>The graph input's value name.</summary>
    public string Input { get; }

    public ConvInit ConvInit { get; set; } = ConvInit.KaimingNormalFanOut;

    public LinearInit LinearInit { get; set; } = LinearInit.PyTorchDefault;

    /// <summary>The inferred shape of a value built so far.</summary>
    public long[] ShapeOf(string value) => (long[])_valueShapes[value].Clone();

    // ---- layers with weights -----------------------------------------------------------------------------

    public string Conv(string x, int outChannels, int kernel, int stride = 1, int padding = 0, int dilation = 1, int groups = 1,
        bool bias = true, string? name = null) =>
        Conv(x, outChannels, ConvAttributes.Square(kernel, stride, padding, dilation, groups), bias, name);

    public string Conv(string x, int outChannels, ConvAttributes attributes, bool bias = true, string? name = null)
    {
        var inChannels = ShapeOf(x) is { Length: 4 } s ? s[1] : throw new ArgumentException($"Conv '{name}' needs a 4-D input, '{x}' is {Shapes.Format(ShapeOf(x))}");
        if (attributes.Groups < 1 || inChannels % attributes.Groups != 0 || outChannels % attributes.Groups != 0)
        {
            throw new ArgumentException($"Conv '{name}': groups={attributes.Groups} must divide in-channels {inChannels} and out-channels {outChannels}");
        }

        name = NodeName(OpKind.Conv, name);
        long[] shape = [outChannels, inChannels / attributes.Groups, attributes.Kernel.H, attributes.Kernel.W];
        var tensors = new Dictionary<TensorRole, Tensor>();
        switch (ConvInit)
        {
            case ConvInit.KaimingNormalFanOut:
                tensors[TensorRole.Weight] = Init.KaimingNormalFanOut(shape, _generator);
                if (bias) tensors[TensorRole.Bias] = Tensor.Zeros([outChannels]);
                break;
            case ConvInit.PyTorchDefault:
                tensors[TensorRole.Weight] = Init.DefaultWeight(shape, _generator);
                if (bias) tensors[TensorRole.Bias] = Init.DefaultBias(shape, _generator);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(ConvInit), ConvInit, "unknown conv init");
        }

        return AddNode(name, OpKind.Conv, [x], attributes, tensors)[0];
    }

    public string BatchNorm(string x, string? name = null, double epsilon = 1e-5, double momentum = 0.1)
    {
        var channels = ShapeOf(x)[1];
        name = NodeName(OpKind.BatchNorm, name);
        return AddNode(name, OpKind.BatchNorm, [x], new BatchNormAttributes(epsilon, momentum), new Dictionary<TensorRole, Tensor>
        {
            [TensorRole.Weight] = Tensor.Ones([channels]),
            [TensorRole.Bias] = Tensor.Zeros([channels]),
            [TensorRole.RunningMean] = Tensor.Zeros([channels]),
            [TensorRole.RunningVar] = Tensor.Ones([channels]),
        })[0];
    }

    /// <summary>LayerNorm over the channels at each position (weight 1, bias 0).</summary>
    public string LayerNorm(string x, double epsilon = 1e-5, string? name = null)
    {
        var channels = ShapeOf(x)[1];
        name = NodeName(OpKind.LayerNorm, name);
        return AddNode(name, OpKind.LayerNorm, [x], new LayerNormAttributes(epsilon), new Dictionary<TensorRole, Tensor>
        {
            [TensorRole.Weight] = Tensor.Ones([channels]),
            [TensorRole.Bias] = Tensor.Zeros([channels]),
        })[0];
    }

    /// <summary>A fully-connected layer (Gemm with weight [out, in], as nn.Linear) on a [N, in] input.</summary>
    public string Linear(string x, int outFeatures, bool bias = true, string? name = null)
    {
        var inFeatures = ShapeOf(x) is { Length: 2 } s ? s[1] : throw new ArgumentException($"Linear '{name}' needs a 2-D input, '{x}' is {Shapes.Format(ShapeOf(x))}; flatten first");
        name = NodeName(OpKind.Gemm, name);
        long[] shape = [outFeatures, inFeatures];
        var tensors = new Dictionary<TensorRole, Tensor>();
        switch (LinearInit)
        {
            case LinearInit.PyTorchDefault:
                tensors[TensorRole.Weight] = Init.DefaultWeight(shape, _generator);
                if (bias) tensors[TensorRole.Bias] = Init.DefaultBias(shape, _generator);
                break;
            case LinearInit.Normal001:
                tensors[TensorRole.Weight] = Tensor.RandN(shape, 0, 0.01, generator: _generator);
                if (bias) tensors[TensorRole.Bias] = Tensor.Zeros([outFeatures]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(LinearInit), LinearInit, "unknown linear init");
        }

        return AddNode(name, OpKind.Gemm, [x], NoAttributes.Instance, tensors)[0];
    }

    // ---- weightless ops ----------------------------------------------------------------------------------

    public string Relu(string x, string? name = null) => Simple(OpKind.Relu, x, name);
    public string Relu6(string x, string? name = null) => Simple(OpKind.Relu6, x, name);
    public string HardSwish(string x, string? name = null) => Simple(OpKind.HardSwish, x, name);
    public string HardSigmoid(string x, string? name = null) => Simple(OpKind.HardSigmoid, x, name);
    public string Sigmoid(string x, string? name = null) => Simple(OpKind.Sigmoid, x, name);
    public string Silu(string x, string? name = null) => Simple(OpKind.SiLU, x, name);
    public string Gelu(string x, string? name = null) => Simple(OpKind.Gelu, x, name);
    public string Identity(string x, string? name = null) => Simple(OpKind.Identity, x, name);
    public string GlobalAveragePool(string x, string? name = null) => Simple(OpKind.GlobalAveragePool, x, name);

    public string Clip(string x, double? min, double? max, string? name = null) => Op(OpKind.Clip, [x], new ClipAttributes(min, max), name);

    public string Add(string a, string b, string? name = null) => Op(OpKind.Add, [a, b], NoAttributes.Instance, name);

    /// <summary>Elementwise product with broadcasting (e.g. squeeze-excite [N, C, 1, 1] · [N, C, H, W]).</summary>
    public string Mul(string a, string b, string? name = null) => Op(OpKind.Mul, [a, b], NoAttributes.Instance, name);

    public string Concat(IReadOnlyList<string> xs, int axis = 1, string? name = null) => Op(OpKind.Concat, xs, new ConcatAttributes(axis), name);

    public IReadOnlyList<string> Split(string x, IReadOnlyList<long> sizes, int axis = 1, string? name = null) =>
        AddNode(NodeName(OpKind.Split, name), OpKind.Split, [x], new SplitAttributes(axis, sizes.ToArray()), new Dictionary<TensorRole, Tensor>());

    public string Slice(string x, int axis, long start, long end, long step = 1, string? name = null) =>
        Op(OpKind.Slice, [x], new SliceAttributes(axis, start, end, step), name);

    public string MaxPool(string x, int kernel, int? stride = null, int padding = 0, bool ceilMode = false, string? name = null) =>
        Op(OpKind.MaxPool, [x], new PoolAttributes(kernel, stride ?? kernel, padding, ceilMode), name);

    public string AveragePool(string x, int kernel, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true, string? name = null) =>
        Op(OpKind.AveragePool, [x], new PoolAttributes(kernel, stride ?? kernel, padding, ceilMode, countIncludePad), name);

    public string Flatten(string x, int axis = 1, string? name = null) => Op(OpKind.Flatten, [x], new FlattenAttributes(axis), name);

    public string Reshape(string x, IReadOnlyList<long> shape, string? name = null) => Op(OpKind.Reshape, [x], new ReshapeAttributes(shape.ToArray()), name);

    public string Transpose(string x, IReadOnlyList<int> permutation, string? name = null) =>
        Op(OpKind.Transpose, [x], new TransposeAttributes(permutation.ToArray()), name);

    public string Dropout(string x, double probability = 0.5, string? name = null) => Op(OpKind.Dropout, [x], new DropoutAttributes(probability), name);

    /// <summary>Pads every dimension: <paramref name="pads"/> holds the amounts before each dimension, then after each (ONNX's layout).</summary>
    public string Pad(string x, IReadOnlyList<long> pads, PadMode mode = PadMode.Constant, double value = 0, string? name = null) =>
        Op(OpKind.Pad, [x], new PadAttributes(pads.ToArray(), mode, value), name);

    /// <summary>Mean over <paramref name="axes"/>; ReduceMean(x, [2, 3], keepDims: false) is global average pooling flattened to [N, C].</summary>
    public string ReduceMean(string x, IReadOnlyList<int> axes, bool keepDims = true, string? name = null) =>
        Op(OpKind.ReduceMean, [x], new ReduceMeanAttributes(axes.ToArray(), keepDims), name);

    /// <summary>Resizes H and W to <paramref name="size"/> (F.interpolate(size=…)); bilinear with align_corners=False unless told.</summary>
    public string Resize(string x, (long H, long W) size, ResizeMode mode = ResizeMode.Bilinear, bool alignCorners = false, string? name = null) =>
        Op(OpKind.Resize, [x], new ResizeAttributes(mode, alignCorners, Size: size), name);

    /// <summary>Resizes H and W by <paramref name="scales"/>, floored (F.interpolate(scale_factor=…)).</summary>
    public string Resize(string x, (double H, double W) scales, ResizeMode mode = ResizeMode.Nearest, bool alignCorners = false, string? name = null) =>
        Op(OpKind.Resize, [x], new ResizeAttributes(mode, alignCorners, Scales: scales), name);

    // ---- general -----------------------------------------------------------------------------------------

    /// <summary>
    /// Appends any node (what importers use). <paramref name="tensors"/> are taken over and named
    /// "{name}.{role suffix}"; the node's outputs are named "{name}" (or "{name}:i" for several).
    /// </summary>
    public IReadOnlyList<string> AddNode(string name, OpKind op, IReadOnlyList<string> inputs, OpAttributes attributes,
        IReadOnlyDictionary<TensorRole, Tensor> tensors)
    {
        ObjectDisposedException.ThrowIf(_built, this);
        var tensorNames = new Dictionary<TensorRole, string>();
        try
        {
            if (!_nodeNames.Add(name)) throw new ArgumentException($"graph '{_name}': node name '{name}' is already used");
            foreach (var (role, value) in tensors)
            {
                var tensorName = $"{name}.{role.Suffix()}";
                if (_tensorShapes.ContainsKey(tensorName)) throw new ArgumentException($"graph '{_name}': tensor '{tensorName}' already exists");
                tensorNames[role] = tensorName;
            }

            var outputCount = op == OpKind.Split ? ((SplitAttributes)attributes).Sizes.Count : 1;
            var outputs = outputCount == 1 ? [name] : Enumerable.Range(0, outputCount).Select(i => $"{name}:{i}").ToArray();
            var node = new Node(name, op, inputs.ToArray(), outputs, attributes, tensorNames);
            var inputShapes = inputs.Select(v => _valueShapes.TryGetValue(v, out var s) ? s
                : throw new ArgumentException($"node '{name}' ({op}) reads '{v}', which no earlier node produced")).ToArray();
            var shapes = ShapeInference.InferNode(node, inputShapes, n =>
                tensorNames.FirstOrDefault(t => t.Value == n) is { Value: not null } hit ? tensors[hit.Key].Shape : null);

            foreach (var (role, value) in tensors)
            {
                var tensorName = tensorNames[role];
                _tensorShapes[tensorName] = value.Shape;
                if (role.IsTrainable()) _parameters.Add(new Parameter(tensorName, value));
                else _buffers.Add((tensorName, value.DetachFromScope()));
            }

            for (var i = 0; i < outputs.Length; i++) _valueShapes[outputs[i]] = shapes[i];
            _nodes.Add(node);
            return outputs;
        }
        catch
        {
            _nodeNames.Remove(name);
            foreach (var value in tensors.Values) value.Dispose();
            throw;
        }
    }

    /// <summary>Marks the graph's output value (the first, for a graph with several outputs; see <see cref="AlsoOutput"/>).</summary>
    public void Output(string x)
    {
        if (!_valueShapes.ContainsKey(x)) throw new ArgumentException($"'{x}' is not a value of graph '{_name}'");
        _output = x;
    }

    /// <summary>Marks a further output after the one of <see cref="Output"/> (an auxiliary head), in order.</summary>
    public void AlsoOutput(string x)
    {
        if (!_valueShapes.ContainsKey(x)) throw new ArgumentException($"'{x}' is not a value of graph '{_name}'");
        _moreOutputs.Add(x);
    }

    /// <summary>The finished graph; it owns every tensor the builder created.</summary>
    public ModelGraph Build()
    {
        ObjectDisposedException.ThrowIf(_built, this);
        var output = _output ?? throw new InvalidOperationException($"graph '{_name}': call Output(value) before Build()");
        _built = true;
        _generator?.Dispose();
        return ModelGraph.Create(_name, Input, _inputShape, [output, .. _moreOutputs], _nodes, _parameters, _buffers);
    }

    /// <summary>Disposes the tensors of a graph that was never built.</summary>
    public void Dispose()
    {
        _generator?.Dispose();
        if (_built) return;
        _built = true;
        foreach (var p in _parameters) p.Dispose();
        foreach (var (_, t) in _buffers) t.Dispose();
    }

    private string Simple(OpKind op, string x, string? name) => Op(op, [x], NoAttributes.Instance, name);

    private string Op(OpKind op, IReadOnlyList<string> inputs, OpAttributes attributes, string? name) =>
        AddNode(NodeName(op, name), op, inputs, attributes, new Dictionary<TensorRole, Tensor>())[0];

    private string NodeName(OpKind op, string? name)
    {
        if (name is not null) return name;
        // Generated names follow the op ("relu_3"); they never collide with the dotted module names models use.
        string candidate;
        do
        {
            var n = _counters.GetValueOrDefault(op);
            _counters[op] = n + 1;
            candidate = $"{op.ToString().ToLowerInvariant()}_{n}";
        } while (_nodeNames.Contains(candidate));

        return candidate;
    }
}
