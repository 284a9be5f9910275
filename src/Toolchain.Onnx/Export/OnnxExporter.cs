using System.Reflection;
using Google.Protobuf;
using Onnx;
using Toolchain.Graph;
using Toolchain.Onnx.Export;
using Toolchain.Torch.Serialization;

namespace Toolchain.Onnx;

/// <summary>
/// Writes a <see cref="ModelGraph"/> as an ONNX model (IR <see cref="OnnxSchema.IrVersion"/>, default-domain opset
/// <see cref="OnnxSchema.Opset"/>) for inference: the graph as in eval mode, dropout removed, weights as float32
/// initializers under their state_dict names. Node and value names are the graph's own. The graph is only read.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The serialized ONNX model.</summary>
    /// <exception cref="OnnxExportException">A node cannot be exported, or the graph does not run at another batch size while <see cref="OnnxExportOptions.DynamicBatch"/> is set.</exception>
    public static byte[] Export(ModelGraph graph, OnnxExportOptions? options = null) => ToModel(graph, options).ToByteArray();

    /// <summary>
    /// Writes the model to <paramref name="path"/> atomically: to a temporary file in the same folder, then renamed,
    /// so a failure leaves neither a partial model nor the temporary file.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void ExportToFile(ModelGraph graph, string path, OnnxExportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(fullPath) ?? throw new IOException($"cannot write ONNX model to '{fullPath}': it is not a file path");
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"cannot write ONNX model to '{fullPath}': folder '{folder}' does not exist; create it first");
        }

        // The message names the model: AtomicFile's IOException says which file and why (disk full, permissions).
        AtomicFile.WriteAllBytes(fullPath, Export(graph, options));
    }

    internal static ModelProto ToModel(ModelGraph graph, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        options ??= new OnnxExportOptions();
        var shapes = ValueShapes.For(graph, options.DynamicBatch);
        var folding = options.FoldBatchNorm ? BatchNormFolding.Plan(graph) : BatchNormFolding.None;

        var proto = new GraphProto { Name = graph.Name };
        proto.Input.Add(ValueShapes.FloatValue(graph.InputName, shapes[graph.InputName]));
        var cx = new ExportContext(graph, proto) { SparseWeights = options.SparseWeights };
        foreach (var node in graph.Nodes)
        {
            try
            {
                if (folding.IsFoldedAway(node)) continue;
                if (folding.TryGetBatchNorm(node, out var bn)) BatchNormFolding.ExportConv(node, bn, cx);
                else OpExporters.Export(node, cx);
            }
            catch (Exception e) when (e is not OnnxExportException and not ObjectDisposedException)
            {
                throw new OnnxExportException(node.Name, node.Op, e.Message, e);
            }
        }

        foreach (var output in graph.OutputNames) proto.Output.Add(ValueShapes.FloatValue(output, shapes[output]));
        // Shapes of the intermediate values: readable in viewers, and the ONNX checker verifies them against its own inference.
        foreach (var output in proto.Node.SelectMany(n => n.Output))
        {
            if (!graph.IsOutput(output) && shapes.TryGetValue(output, out var shape)) proto.ValueInfo.Add(ValueShapes.FloatValue(output, shape));
        }

        var folded = folding.Count > 0 ? $"; {folding.Count} BatchNorm(s) folded into convolutions" : "";
        proto.DocString = $"{graph.Name}: {graph.Nodes.Count} graph nodes, {graph.ParameterCount:N0} parameters{folded}";
        var model = new ModelProto
        {
            IrVersion = OnnxSchema.IrVersion,
            ProducerName = options.ProducerName,
            ProducerVersion = ProducerVersion,
            Graph = proto,
            DocString = $"Exported for inference from Toolchain graph '{graph.Name}'{folded}.",
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxSchema.Opset });
        return model;
    }

    private static string ProducerVersion { get; } =
        typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "unknown";
}
