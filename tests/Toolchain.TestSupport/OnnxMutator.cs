using Google.Protobuf;
using Onnx;
using Toolchain.Graph;
using Toolchain.Onnx;

namespace Toolchain.TestSupport;

/// <summary>
/// Turns a valid ONNX model into a broken one, reproducibly from a seed: structure-aware mutations of the decoded
/// model (the ways real files go wrong or are made to go wrong: wrong dims and dtypes, huge or negative shapes, data
/// shorter than its shape, dangling, duplicate and cyclic value names, unknown ops and domains, attributes of the
/// wrong type or value, opset and IR version edge cases, external data pointing outside the model's folder) and
/// blind ones on the bytes (<see cref="Fuzzing.Blind"/>). Shared by every test that feeds ONNX files to a loader: the
/// importer and ONNX Runtime (Onnx.Tests) and the device agent's upload (Agent.Tests).
/// </summary>
public static class OnnxMutator
{
    /// <summary>Our own exports of small models that between them use every op the exporter writes: the campaigns' seeds.</summary>
    public static List<(string Name, byte[] Bytes)> OwnExportSeeds()
    {
        var seeds = new List<(string, byte[])>();
        void Add(string name, Func<ModelGraph> create, OnnxExportOptions options)
        {
            using var graph = create();
            seeds.Add((name, OnnxExporter.Export(graph, options)));
        }

        Add("resnet20-28px", () => ModelZoo.Create("resnet20", inputShape: [1, 1, 28, 28]), new OnnxExportOptions());
        Add("resnet20-folded", () => ModelZoo.Create("resnet20", inputShape: [1, 1, 28, 28]), new OnnxExportOptions { FoldBatchNorm = true });
        Add("mobilenet_v2-16px", () => ModelZoo.Create("mobilenet_v2_cifar", inputShape: [1, 3, 16, 16]), new OnnxExportOptions { FoldBatchNorm = true });
        Add("mixed-topology", () => GraphFixtures.MixedTopology(), new OnnxExportOptions());
        return seeds;
    }

    /// <summary>One mutated model and what was done to it (for the failure message and the saved case).</summary>
    public sealed record Case(int Index, string Seed, string Mutation, byte[] Bytes);

    private delegate string Mutation(ModelProto model, Random random);

    private static readonly (string Name, Mutation Apply)[] Structural =
    [
        ("initializer dim", InitializerDim),
        ("initializer dtype", InitializerDataType),
        ("initializer data short", InitializerDataShort),
        ("declared huge tensor", DeclaredHugeTensor),
        ("dangling input", DanglingInput),
        ("duplicate output", DuplicateOutput),
        ("cycle", Cycle),
        ("unknown op", UnknownOp),
        ("unknown domain", UnknownDomain),
        ("attribute type", AttributeType),
        ("attribute value", AttributeValue),
        ("attribute removed", AttributeRemoved),
        ("opset", Opset),
        ("ir version", IrVersion),
        ("external data", ExternalData),
        ("graph input shape", GraphInputShape),
        ("graph input removed", GraphInputRemoved),
        ("graph output dangling", GraphOutputDangling),
        ("node removed", NodeRemoved),
        ("node inputs cleared", NodeInputsCleared),
    ];

    /// <summary>
    /// Case <paramref name="index"/> of the campaign <paramref name="seed"/>: from the seeds round robin, two
    /// structural mutations in three and a blind one otherwise; the same for the same seeds, seed and index.
    /// </summary>
    public static Case Make(IReadOnlyList<(string Name, byte[] Bytes)> seeds, int seed, int index)
    {
        var random = Fuzzing.CaseRandom(seed, index);
        var (name, bytes) = seeds[index % seeds.Count];
        if (index % 3 == 2)
        {
            var (blind, mutated) = Fuzzing.Blind(bytes, random);
            return new Case(index, name, blind, mutated);
        }

        var model = ModelProto.Parser.ParseFrom(bytes);
        var applied = new List<string>();
        // Mostly one mutation, sometimes two: combined faults reach code a single one does not.
        for (var m = 0; m < (random.Next(4) == 0 ? 2 : 1); m++)
        {
            // Every mutation picks from these lists; a first mutation may have emptied one.
            var g = model.Graph;
            if (g.Node.Count == 0 || g.Initializer.Count == 0 || g.Input.Count == 0 || g.Output.Count == 0) break;
            var (what, apply) = Structural[random.Next(Structural.Length)];
            applied.Add($"{what}: {apply(model, random)}");
        }

        return new Case(index, name, string.Join("; ", applied), model.ToByteArray());
    }

    private static T Pick<T>(IList<T> items, Random random) => items[random.Next(items.Count)];

    private static readonly long[] BadDims = [-1, 0, -7, 3, 1L << 40, long.MaxValue, 1_000_000_000_000];

    private static string InitializerDim(ModelProto model, Random random)
    {
        var t = Pick(model.Graph.Initializer, random);
        if (t.Dims.Count == 0 || random.Next(4) == 0)
        {
            t.Dims.Add(BadDims[random.Next(BadDims.Length)]);
            return $"'{t.Name}' gained dim {t.Dims[^1]}";
        }

        var d = random.Next(t.Dims.Count);
        t.Dims[d] = BadDims[random.Next(BadDims.Length)];
        return $"'{t.Name}' dim {d} = {t.Dims[d]}";
    }

    private static string InitializerDataType(ModelProto model, Random random)
    {
        var t = Pick(model.Graph.Initializer, random);
        t.DataType = Pick(new[] { 0, 2, 3, 5, 6, 7, 8, 9, 10, 11, 16, 99, -1 }, random);
        return $"'{t.Name}' data_type = {t.DataType}";
    }

    private static string InitializerDataShort(ModelProto model, Random random)
    {
        var t = Pick(model.Graph.Initializer, random);
        if (!t.RawData.IsEmpty)
        {
            var keep = random.Next(t.RawData.Length);
            t.RawData = ByteString.CopyFrom(t.RawData.Span[..keep]);
            return $"'{t.Name}' raw_data cut to {keep} bytes";
        }

        t.FloatData.Clear();
        return $"'{t.Name}' float_data cleared";
    }

    private static string DeclaredHugeTensor(ModelProto model, Random random)
    {
        // 10¹² floats declared, a few bytes present: a loader that trusts the shape allocates 4 TB.
        var t = Pick(model.Graph.Initializer, random);
        t.Dims.Clear();
        t.Dims.Add(1_000_000);
        t.Dims.Add(1_000_000);
        return $"'{t.Name}' declared [1000000, 1000000] with {t.RawData.Length + t.FloatData.Count * 4} bytes";
    }

    private static string DanglingInput(ModelProto model, Random random)
    {
        var n = Pick(model.Graph.Node, random);
        if (n.Input.Count == 0) n.Input.Add("no_such_value");
        else n.Input[random.Next(n.Input.Count)] = "no_such_value";
        return $"node '{n.Name}' reads 'no_such_value'";
    }

    private static string DuplicateOutput(ModelProto model, Random random)
    {
        var a = Pick(model.Graph.Node, random);
        var b = Pick(model.Graph.Node, random);
        if (a.Output.Count > 0 && b.Output.Count > 0) a.Output[0] = b.Output[0];
        return $"node '{a.Name}' writes '{b.Output.FirstOrDefault()}' as '{b.Name}' does";
    }

    private static string Cycle(ModelProto model, Random random)
    {
        var nodes = model.Graph.Node;
        var i = random.Next(nodes.Count);
        var j = random.Next(i, nodes.Count); // a later node (or itself): its output feeds an earlier one
        if (nodes[i].Input.Count == 0 || nodes[j].Output.Count == 0) return "no change";
        nodes[i].Input[0] = nodes[j].Output[0];
        return $"node '{nodes[i].Name}' reads '{nodes[j].Output[0]}' of node '{nodes[j].Name}'";
    }

    private static string UnknownOp(ModelProto model, Random random)
    {
        var n = Pick(model.Graph.Node, random);
        n.OpType = Pick(new[] { "FancyConv", "", "conv", "Loop", "If", "Scan", "NonMaxSuppression", "\u0000" }, random);
        return $"node '{n.Name}' op_type = '{n.OpType}'";
    }

    private static string UnknownDomain(ModelProto model, Random random)
    {
        var n = Pick(model.Graph.Node, random);
        n.Domain = Pick(new[] { "com.example", "ai.onnx.ml", "com.microsoft" }, random);
        return $"node '{n.Name}' domain = '{n.Domain}'";
    }

    private static string AttributeType(ModelProto model, Random random)
    {
        var n = Pick(model.Graph.Node, random);
        if (n.Attribute.Count == 0) return $"node '{n.Name}' has no attribute";
        var a = Pick(n.Attribute, random);
        a.Type = Pick(new[] { AttributeProto.Types.AttributeType.Float, AttributeProto.Types.AttributeType.Int, AttributeProto.Types.AttributeType.String,
            AttributeProto.Types.AttributeType.Ints, AttributeProto.Types.AttributeType.Tensor, AttributeProto.Types.AttributeType.Graph, AttributeProto.Types.AttributeType.Undefined }, random);
        if (random.Next(2) == 0)
        {
            a.Ints.Clear();
            a.I = 0;
        }

        return $"node '{n.Name}' attribute '{a.Name}' typed {a.Type}";
    }

    private static readonly long[] BadInts = [0, -1, -3, 1 << 20, int.MaxValue, long.MaxValue, long.MinValue];

    private static string AttributeValue(ModelProto model, Random random)
    {
        var n = Pick(model.Graph.Node, random);
        if (n.Attribute.Count == 0) return $"node '{n.Name}' has no attribute";
        var a = Pick(n.Attribute, random);
        if (a.Ints.Count > 0)
        {
            if (random.Next(3) == 0) a.Ints.Add(BadInts[random.Next(BadInts.Length)]);
            else a.Ints[random.Next(a.Ints.Count)] = BadInts[random.Next(BadInts.Length)];
            return $"node '{n.Name}' {a.Name} = [{string.Join(", ", a.Ints)}]";
        }

        a.I = BadInts[random.Next(BadInts.Length)];
        a.F = Pick(new[] { float.NaN, float.PositiveInfinity, -1f, 1e30f }, random);
        return $"node '{n.Name}' {a.Name} = {a.I} / {a.F}";
    }

    private static string AttributeRemoved(ModelProto model, Random random)
    {
        var n = Pick(model.Graph.Node, random);
        if (n.Attribute.Count == 0) return $"node '{n.Name}' has no attribute";
        var a = Pick(n.Attribute, random);
        n.Attribute.Remove(a);
        return $"node '{n.Name}' lost '{a.Name}'";
    }

    private static string Opset(ModelProto model, Random random)
    {
        switch (random.Next(3))
        {
            case 0:
                model.OpsetImport.Clear();
                return "no opset_import";
            case 1:
                foreach (var o in model.OpsetImport) o.Version = Pick(new long[] { 0, 1, 6, 10, 18, 99, -1 }, random);
                return $"opset {model.OpsetImport.FirstOrDefault()?.Version}";
            default:
                model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 7 });
                return "two default-domain opsets";
        }
    }

    private static string IrVersion(ModelProto model, Random random)
    {
        model.IrVersion = Pick(new long[] { 0, 1, 3, 99, -1 }, random);
        return $"ir_version {model.IrVersion}";
    }

    private static string ExternalData(ModelProto model, Random random)
    {
        var t = Pick(model.Graph.Initializer, random);
        t.RawData = ByteString.Empty;
        t.FloatData.Clear();
        t.DataLocation = TensorProto.Types.DataLocation.External;
        var location = Pick(new[] { "../../../../etc/passwd", "/etc/shadow", "weights.bin", "/dev/zero", "" }, random);
        t.ExternalData.Clear();
        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        if (random.Next(2) == 0) t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = "99999999999" });
        return $"'{t.Name}' external data at '{location}'";
    }

    private static string GraphInputShape(ModelProto model, Random random)
    {
        var input = model.Graph.Input[0];
        var dims = input.Type?.TensorType?.Shape?.Dim;
        if (dims is null || dims.Count == 0) return "input has no shape";
        var d = dims[random.Next(dims.Count)];
        if (random.Next(3) == 0) d.DimParam = "unknown";
        else d.DimValue = BadDims[random.Next(BadDims.Length)];
        if (random.Next(4) == 0) dims.RemoveAt(dims.Count - 1);
        return $"input shape [{string.Join(", ", dims.Select(x => x.HasDimValue ? x.DimValue.ToString() : x.DimParam))}]";
    }

    private static string GraphInputRemoved(ModelProto model, Random random)
    {
        model.Graph.Input.RemoveAt(0);
        return "graph input removed";
    }

    private static string GraphOutputDangling(ModelProto model, Random random)
    {
        model.Graph.Output[0].Name = "no_such_output";
        return "graph output names 'no_such_output'";
    }

    private static string NodeRemoved(ModelProto model, Random random)
    {
        var i = random.Next(model.Graph.Node.Count);
        var name = model.Graph.Node[i].Name;
        model.Graph.Node.RemoveAt(i);
        return $"node '{name}' removed";
    }

    private static string NodeInputsCleared(ModelProto model, Random random)
    {
        var n = Pick(model.Graph.Node, random);
        n.Input.Clear();
        return $"node '{n.Name}' has no inputs";
    }
}
