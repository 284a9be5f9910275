using System.Text.Json;
using System.Text.Json.Nodes;
using Toolchain.Graph.Serialization;
using Toolchain.Torch;
using Toolchain.Torch.Serialization;

namespace Toolchain.Graph;

/// <summary>
/// A graph in one safetensors file: every parameter and buffer under its state_dict name (so PyTorch's
/// safetensors loader reads the weights directly), the structure as JSON in the metadata key
/// <see cref="StructureKey"/>, and optional extras (tensors under "extra/", e.g. optimizer state; string metadata).
/// Tensor shapes live only in the tensors, so a pruned graph reloads at its new size.
/// </summary>
public static class GraphFile
{
    public const string StructureKey = "toolchain.graph";
    public const string ExtraPrefix = "extra/";
    public const int FormatVersion = 1;

    /// <summary>Writes <paramref name="graph"/> atomically (temporary file, then rename).</summary>
    public static void Save(ModelGraph graph, string path, IReadOnlyDictionary<string, Tensor>? extraTensors = null,
        IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var tensors = new Dictionary<string, Tensor>(graph.StateDict(), StringComparer.Ordinal);
        foreach (var (name, value) in extraTensors ?? new Dictionary<string, Tensor>())
        {
            tensors.Add(ExtraPrefix + name, value);
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in extraMetadata ?? new Dictionary<string, string>())
        {
            if (key == StructureKey) throw new ArgumentException($"metadata key '{StructureKey}' is reserved for the graph structure");
            metadata[key] = value;
        }

        metadata[StructureKey] = WriteStructure(graph).ToJsonString();
        SafeTensors.Save(path, tensors, metadata);
    }

    /// <summary>
    /// Reads a graph file. The graph's parameters are trainable leaves again. A file that is not a graph file, or
    /// whose weights disagree with its structure, throws <see cref="InvalidDataException"/> naming the file and
    /// the problem.
    /// </summary>
    public static LoadedGraphFile Load(string path)
    {
        InvalidDataException Bad(string what, Exception? inner = null) => new($"graph file '{path}': {what}", inner);

        var metadata = SafeTensors.ReadMetadata(path);
        if (!metadata.TryGetValue(StructureKey, out var structureText))
        {
            throw Bad($"no graph structure (metadata key '{StructureKey}' is missing); it is a plain safetensors file, " +
                      "not one written by GraphFile.Save");
        }

        JsonObject structure;
        try
        {
            structure = JsonNode.Parse(structureText)?.AsObject() ?? throw Bad("the graph structure is empty");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw Bad($"the graph structure is not valid JSON ({e.Message})", e);
        }

        var tensors = SafeTensors.Load(path);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var version = structure["version"]?.GetValue<int>() ?? throw Bad("the graph structure has no version");
            if (version != FormatVersion) throw Bad($"format version {version} is not supported (this build reads version {FormatVersion})");

            var name = Text(structure, "name");
            var input = structure["input"]?.AsObject() ?? throw Bad("the graph structure has no input");
            var inputName = Text(input, "name");
            var inputShape = input["shape"]?.AsArray().Select(d => d!.GetValue<long>()).ToArray() ?? throw Bad("the input has no shape");
            // "outputs" lists every output of a graph with several (the first is also "output").
            IReadOnlyList<string> outputNames = structure["outputs"] is { } several
                ? several.AsArray().Select(o => o?.GetValue<string>() ?? throw Bad("an entry of 'outputs' is null")).ToArray()
                : [Text(structure, "output")];
            var nodes = (structure["nodes"]?.AsArray() ?? throw Bad("the graph structure has no nodes"))
                .Select((n, i) => ReadNode(n?.AsObject() ?? throw Bad($"node #{i} is not an object"), i, Bad)).ToList();

            Tensor Take(string tensorName, string kind)
            {
                if (!tensors.TryGetValue(tensorName, out var t)) throw Bad($"{kind} '{tensorName}' named by the structure is missing from the file");
                taken.Add(tensorName);
                return t;
            }

            var parameters = Names(structure, "parameters").Select(n => new Parameter(n, Take(n, "parameter"))).ToList();
            var buffers = Names(structure, "buffers").Select(n => (n, Take(n, "buffer"))).ToList();
            var unknown = tensors.Keys.Where(k => !taken.Contains(k) && !k.StartsWith(ExtraPrefix, StringComparison.Ordinal)).ToList();
            if (unknown.Count > 0) throw Bad($"tensors the structure does not name: {string.Join(", ", unknown)}");

            ModelGraph graph;
            try
            {
                graph = ModelGraph.Create(name, inputName, inputShape, outputNames, nodes, parameters, buffers);
            }
            catch (GraphShapeException e)
            {
                throw Bad($"weights disagree with the structure: {e.Message}", e);
            }
            catch (ArgumentException e)
            {
                throw Bad($"inconsistent structure: {e.Message}", e);
            }

            graph.Training = structure["training"]?.GetValue<bool>() ?? false;
            var extras = tensors.Where(t => t.Key.StartsWith(ExtraPrefix, StringComparison.Ordinal))
                .ToDictionary(t => t.Key[ExtraPrefix.Length..], t => t.Value, StringComparer.Ordinal);
            var extraMetadata = metadata.Where(m => m.Key != StructureKey).ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);
            return new LoadedGraphFile(graph, extras, extraMetadata);
        }
        catch (Exception e)
        {
            // Whatever was read is released (disposing twice is harmless: ModelGraph.Create may have done it).
            foreach (var t in tensors.Values) t.Dispose();

            if (e is InvalidDataException) throw;
            // The JSON DOM reports a missing value as a null (NullReferenceException at a `!`), a value of another
            // type as InvalidOperationException, a number too large for its field as OverflowException: the file's fault.
            if (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException or NullReferenceException or OverflowException)
            {
                throw Bad($"malformed graph structure ({e.Message})", e);
            }

            throw;
        }
    }

    private static Node ReadNode(JsonObject json, int index, Func<string, Exception?, InvalidDataException> bad)
    {
        var name = json["name"]?.GetValue<string>() ?? throw bad($"node #{index} has no name", null);
        var opText = json["op"]?.GetValue<string>() ?? throw bad($"node '{name}' has no op", null);
        if (!Enum.TryParse<OpKind>(opText, ignoreCase: false, out var op) || !Enum.IsDefined(op) || int.TryParse(opText, out _))
        {
            throw bad($"node '{name}' has unknown op '{opText}' (known: {string.Join(", ", Enum.GetNames<OpKind>())})", null);
        }

        OpAttributes attributes;
        try
        {
            attributes = AttributeCodec.Read(op, json["attributes"]?.AsObject() ?? []);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or JsonException or NullReferenceException or OverflowException)
        {
            throw bad($"node '{name}' ({op}) has bad attributes: {e.Message}", e);
        }

        var tensors = new Dictionary<TensorRole, string>();
        foreach (var (role, tensorName) in json["tensors"]?.AsObject() ?? [])
        {
            try
            {
                tensors[TensorRoleExtensions.ParseRole(role)] = tensorName!.GetValue<string>();
            }
            catch (FormatException e)
            {
                throw bad($"node '{name}' ({op}): {e.Message}", e);
            }
        }

        return new Node(name, op, Strings(json, "inputs"), Strings(json, "outputs"), attributes, tensors);
    }

    private static JsonObject WriteStructure(ModelGraph graph)
    {
        static JsonArray Strings(IEnumerable<string> xs) => new(xs.Select(x => (JsonNode)x).ToArray());

        var nodes = new JsonArray();
        foreach (var node in graph.Nodes)
        {
            var tensors = new JsonObject();
            foreach (var (role, name) in node.Tensors) tensors[role.Suffix()] = name;
            nodes.Add(new JsonObject
            {
                ["name"] = node.Name,
                ["op"] = node.Op.ToString(),
                ["inputs"] = Strings(node.Inputs),
                ["outputs"] = Strings(node.Outputs),
                ["attributes"] = AttributeCodec.Write(node.Op, node.Attributes),
                ["tensors"] = tensors,
            });
        }

        var structure = new JsonObject
        {
            ["format"] = "toolchain.graph",
            ["version"] = FormatVersion,
            ["name"] = graph.Name,
            ["input"] = new JsonObject
            {
                ["name"] = graph.InputName,
                ["shape"] = new JsonArray(graph.InputShape.Select(d => (JsonNode)d).ToArray()),
            },
            ["output"] = graph.OutputName,
            ["training"] = graph.Training,
            ["parameters"] = Strings(graph.Parameters.Select(p => p.Name)),
            ["buffers"] = Strings(graph.BufferNames),
            ["nodes"] = nodes,
        };
        // Only a graph with several outputs lists them, so a one-output file reads as before.
        if (graph.OutputNames.Count > 1) structure["outputs"] = Strings(graph.OutputNames);
        return structure;
    }

    private static string Text(JsonObject json, string key) =>
        json[key]?.GetValue<string>() ?? throw new FormatException($"'{key}' is missing");

    private static string[] Strings(JsonObject json, string key) =>
        json[key]?.AsArray().Select(n => n!.GetValue<string>()).ToArray() ?? throw new FormatException($"'{key}' is missing");

    private static string[] Names(JsonObject json, string key) => Strings(json, key);
}
