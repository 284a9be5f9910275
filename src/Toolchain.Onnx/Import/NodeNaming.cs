using System.Text;
using Onnx;

namespace Toolchain.Onnx.Import;

/// <summary>
/// Readable, unique node names for the imported graph; parameters are then called "{node}.weight" etc.
/// <list type="number">
/// <item>A Conv/Gemm/BatchNormalization/LayerNormalization whose weight (scale) initializer is "X.weight" (PyTorch
/// export without folding; a LayerNorm's always) is called "X", so the state_dict names equal PyTorch's — a LayerNorm
/// as torchvision's LayerNorm2d writes it shares its scope with two Transposes, and its decomposition below opset 17
/// takes the same name from its module scope.</item>
/// <item>PyTorch 1.13 names nodes by module scope, "/layer1/layer1.0/conv1/Conv": the scope becomes the module
/// path "layer1.0.conv1". A scope that holds other modules ("layer1.0" for a residual Add) or several ops gets the
/// op appended ("layer1.0.add"); an op outside any module is named after the op ("flatten").</item>
/// <item>Other names are kept (unsafe characters replaced); nameless nodes get "{op}_{n}".</item>
/// </list>
/// Collisions get a "_1", "_2"… suffix.
/// </summary>
internal sealed class NodeNaming
{
    // Ops that only compute constants: they share scopes with real ops without making the scope ambiguous.
    private static readonly HashSet<string> ConstantOps = ["Constant", "Shape", "Gather", "Unsqueeze", "Squeeze", "Cast", "Identity"];

    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly Dictionary<NodeProto, string> _reserved = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> _ambiguousScopes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _opCounters = new(StringComparer.Ordinal);

    public NodeNaming(GraphProto graph, IReadOnlySet<string> initializers, string inputName)
    {
        _used.Add(inputName);
        foreach (var node in graph.Node)
        {
            if (node.OpType is "Conv" or "Gemm" or "BatchNormalization" or "LayerNormalization" && node.Input.Count > 1 &&
                node.Input[1].EndsWith(".weight", StringComparison.Ordinal) && initializers.Contains(node.Input[1]))
            {
                var name = Sanitize(node.Input[1][..^".weight".Length]);
                if (name.Length > 0 && _used.Add(name)) _reserved[node] = name;
            }
        }

        // A scope is ambiguous when it holds other modules or more than one real op.
        var scopes = graph.Node.Where(n => n.Name.Contains('/')).Select(n => (Node: n, Path: ModulePath(n.Name))).ToList();
        var paths = scopes.Select(s => s.Path).Where(p => p.Length > 0).ToHashSet(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            var prefix = path + ".";
            if (paths.Any(p => p.StartsWith(prefix, StringComparison.Ordinal))) _ambiguousScopes.Add(path);
        }

        foreach (var group in scopes.Where(s => !ConstantOps.Contains(s.Node.OpType)).GroupBy(s => s.Path))
        {
            if (group.Count() > 1) _ambiguousScopes.Add(group.Key);
        }
    }

    /// <summary>The name of the (first) graph node made from <paramref name="node"/>; each call gives a new name.</summary>
    public string NameFor(NodeProto node)
    {
        if (_reserved.Remove(node, out var reserved)) return reserved;
        return Unique(Derive(node));
    }

    /// <summary><paramref name="candidate"/>, or with the first free "_n" suffix.</summary>
    public string Unique(string candidate)
    {
        if (_used.Add(candidate)) return candidate;
        for (var i = 1; ; i++)
        {
            var name = $"{candidate}_{i}";
            if (_used.Add(name)) return name;
        }
    }

    private string Derive(NodeProto node)
    {
        if (node.Name.Contains('/'))
        {
            var path = ModulePath(node.Name);
            var op = Sanitize(node.Name[(node.Name.LastIndexOf('/') + 1)..]).ToLowerInvariant();
            if (op.Length == 0) op = node.OpType.ToLowerInvariant();
            if (path.Length == 0) return op;
            return _ambiguousScopes.Contains(path) ? $"{path}.{op}" : path;
        }

        var name = Sanitize(node.Name);
        if (name.Length > 0) return name;
        var opName = node.OpType.ToLowerInvariant();
        var n = _opCounters.GetValueOrDefault(opName);
        _opCounters[opName] = n + 1;
        return $"{opName}_{n}";
    }

    /// <summary>
    /// "/features/features.1/conv/conv.0/Conv" → "features.1.conv.0": each scope segment repeats its parent's
    /// name as a prefix ("features.1" inside "features"), which is dropped before joining.
    /// </summary>
    internal static string ModulePath(string nodeName)
    {
        var segments = nodeName.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var parts = new List<string>();
        string? parent = null;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            var segment = segments[i];
            parts.Add(parent is not null && segment.StartsWith(parent + ".", StringComparison.Ordinal) ? segment[(parent.Length + 1)..] : segment);
            parent = segment;
        }

        return Sanitize(string.Join('.', parts));
    }

    private static string Sanitize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name) builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_');
        return builder.ToString().Trim('.');
    }
}
