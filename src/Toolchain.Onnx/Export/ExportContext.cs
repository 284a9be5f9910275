using System.Buffers.Binary;
using Google.Protobuf;
using Onnx;
using Toolchain.Graph;
using Toolchain.Torch;

namespace Toolchain.Onnx.Export;

/// <summary>
/// The ONNX graph being written and what the op rules need to write into it: initializers (read from the
/// <see cref="ModelGraph"/> without changing it), nodes, and the mapping from our value names to ONNX value names
/// (they are the same except where a node is dropped and its consumers read its input instead).
/// </summary>
internal sealed class ExportContext(ModelGraph graph, GraphProto proto)
{
    private readonly Dictionary<string, string> _aliases = new(StringComparer.Ordinal);
    private readonly HashSet<string> _initializers = new(StringComparer.Ordinal);

    public ModelGraph Graph { get; } = graph;

    /// <summary>Write mostly-zero weights as sparse initializers (<see cref="OnnxExportOptions.SparseWeights"/>).</summary>
    public bool SparseWeights { get; init; }

    public GraphProto Proto { get; } = proto;

    /// <summary>The ONNX name of our value <paramref name="value"/>.</summary>
    public string Value(string value) => _aliases.TryGetValue(value, out var onnx) ? onnx : value;

    /// <summary>Makes readers of <paramref name="value"/> read <paramref name="replacement"/> (a dropped node's input).</summary>
    public void Alias(string value, string replacement) => _aliases[value] = Value(replacement);

    /// <summary>Appends a node; inputs are ONNX names ("" for an omitted optional input), outputs our value names.</summary>
    public NodeProto AddNode(string opType, string name, IEnumerable<string> inputs, IEnumerable<string> outputs,
        params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        Proto.Node.Add(node);
        return node;
    }

    /// <summary>
    /// The initializer holding the node's <paramref name="role"/> tensor under its state_dict name (added on first
    /// use), or null when the node has no such tensor.
    /// </summary>
    public string? StateTensor(Node node, TensorRole role)
    {
        if (node.TensorName(role) is not { } name) return null;
        if (!_initializers.Contains(name)) Float(name, ReadFloats(node, role), Graph.GetTensor(name).Shape);
        return name;
    }

    public string RequiredStateTensor(Node node, TensorRole role) => StateTensor(node, role)
        ?? throw new OnnxExportException(node.Name, node.Op, $"has no {role.Suffix()} tensor");

    /// <summary>A copy of the node's <paramref name="role"/> tensor as float32 values, row-major.</summary>
    public float[] ReadFloats(Node node, TensorRole role)
    {
        var name = node.TensorName(role) ?? throw new OnnxExportException(node.Name, node.Op, $"has no {role.Suffix()} tensor");
        var tensor = Graph.GetTensor(name);
        switch (tensor.DType)
        {
            case DType.Float32:
                return tensor.ToArray<float>();
            case DType.Float64:
            {
                // ONNX models are deployed in float32; the conversion is a temporary the scope frees.
                using var scope = DisposeScope.Enter();
                return tensor.To(DType.Float32).ToArray<float>();
            }

            default:
                throw new OnnxExportException(node.Name, node.Op,
                    $"{role.Suffix()} '{name}' is {tensor.DType.Name()}; only floating-point weights can be exported");
        }
    }

    /// <summary>Adds a float32 initializer (raw little-endian data) and returns its name.</summary>
    public string Float(string name, float[] values, long[] dims)
    {
        // COO costs a float and an int64 index per non-zero: worth it below 1/3 non-zero.
        if (SparseWeights && dims.Length >= 2 && values.Count(v => v != 0) * 3L < values.Length) return SparseFloat(name, values, dims);
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        return AddInitializer(name, TensorProto.Types.DataType.Float, bytes, dims);
    }

    /// <summary>Adds a float32 scalar initializer (e.g. a Clip bound).</summary>
    public string FloatScalar(string name, double value) => Float(name, [(float)value], []);

    /// <summary>Adds a 1-D int64 initializer (e.g. Reshape's shape, Slice's starts).</summary>
    public string Int64(string name, IReadOnlyList<long> values)
    {
        var bytes = new byte[values.Count * sizeof(long)];
        for (var i = 0; i < values.Count; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        return AddInitializer(name, TensorProto.Types.DataType.Int64, bytes, [values.Count]);
    }

    /// <summary>Adds a float32 sparse initializer: the non-zero values and their linear int64 indices, ascending.</summary>
    private string SparseFloat(string name, float[] values, long[] dims)
    {
        CheckName(name);
        var nonZero = Enumerable.Range(0, values.Length).Where(i => values[i] != 0).ToArray();
        var data = new byte[nonZero.Length * sizeof(float)];
        var indices = new byte[nonZero.Length * sizeof(long)];
        for (var i = 0; i < nonZero.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * sizeof(float)), values[nonZero[i]]);
            BinaryPrimitives.WriteInt64LittleEndian(indices.AsSpan(i * sizeof(long)), nonZero[i]);
        }

        var sparse = new SparseTensorProto
        {
            Values = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(data) },
            Indices = new TensorProto { Name = name + "_indices", DataType = (int)TensorProto.Types.DataType.Int64, RawData = ByteString.CopyFrom(indices) },
        };
        sparse.Values.Dims.Add(nonZero.Length);
        sparse.Indices.Dims.Add(nonZero.Length);
        sparse.Dims.AddRange(dims);
        Proto.SparseInitializer.Add(sparse);
        return name;
    }

    private void CheckName(string name)
    {
        if (!_initializers.Add(name))
        {
            throw new OnnxExportException($"ONNX export of graph '{Graph.Name}': two initializers would be named '{name}'");
        }

        if (Graph.ValueShapes.ContainsKey(name))
        {
            // ONNX names values and initializers in one namespace.
            throw new OnnxExportException($"ONNX export of graph '{Graph.Name}': initializer '{name}' would have the name of a value; rename that node");
        }
    }

    private string AddInitializer(string name, TensorProto.Types.DataType type, byte[] data, long[] dims)
    {
        if (!_initializers.Add(name))
        {
            throw new OnnxExportException($"ONNX export of graph '{Graph.Name}': two initializers would be named '{name}'");
        }

        if (Graph.ValueShapes.ContainsKey(name))
        {
            // ONNX names values and initializers in one namespace.
            throw new OnnxExportException($"ONNX export of graph '{Graph.Name}': initializer '{name}' would have the name of a value; rename that node");
        }

        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(data) };
        tensor.Dims.AddRange(dims);
        Proto.Initializer.Add(tensor);
        return name;
    }
}
