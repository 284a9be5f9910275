using Google.Protobuf;
using Onnx;
using Toolchain.Graph;
using Toolchain.Onnx.Import;
using Toolchain.Onnx.Import.Converters;

namespace Toolchain.Onnx;

/// <summary>
/// Reads an ONNX model (default domain, opsets 11–17: what torchvision classification exports produce) into a
/// normal trainable <see cref="ModelGraph"/>: Conv/Gemm weights and biases become parameters, BatchNorm running
/// statistics buffers, and everything that only computes constants (shape sub-graphs, Constant nodes) is folded
/// away at import time. Anything it cannot represent exactly is an <see cref="OnnxImportException"/> that names
/// the file, the node and what to do, never a silently different model.
/// </summary>
public static class OnnxImporter
{
    // Graph names exporters write by default; the file name says more.
    private static readonly HashSet<string> GenericGraphNames = ["torch_jit", "torch-jit-export", "main_graph", "graph"];

    /// <summary>Imports the ONNX file at <paramref name="path"/>; the caller owns (disposes) the graph.</summary>
    public static ModelGraph Import(string path, OnnxImportOptions? options = null)
    {
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(path);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw NotOnnx(path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxImportException($"{path}: cannot read the file: {e.Message}", innerException: e);
        }

        return Import(model, path, options);
    }

    /// <summary>
    /// Reads the file at <paramref name="path"/> as far as any loader must — the protobuf decodes and holds a graph with
    /// inputs — and throws what <see cref="Import(string, OnnxImportOptions?)"/> would for a file that does not, naming it
    /// <paramref name="sourceName"/>. Cheap next to an import (no tensors are decoded, no operator checked), so a device agent
    /// refuses a corrupt upload at once instead of queueing it; operators only ONNX Runtime supports still pass.
    /// </summary>
    /// <returns>The graph's inputs (initializers aside) as declared, for a caller that must check what will be fed to them.</returns>
    /// <exception cref="OnnxImportException">Not an ONNX model.</exception>
    public static IReadOnlyList<OnnxGraphInput> CheckReadable(string path, string sourceName)
    {
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(path);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw NotOnnx(sourceName, e);
        }

        if (model.Graph is null || (model.Graph.Node.Count == 0 && model.Graph.Input.Count == 0))
        {
            throw NoGraph(sourceName);
        }

        var initializers = model.Graph.Initializer.Select(i => i.Name).Concat(model.Graph.SparseInitializer.Select(i => i.Values?.Name ?? "")).ToHashSet(StringComparer.Ordinal);
        return model.Graph.Input.Where(i => !initializers.Contains(i.Name)).Select(OnnxGraphInput.Of).ToList();
    }

    /// <summary>Imports a serialized ONNX model; <paramref name="sourceName"/> names it in errors (and the graph, when the model does not).</summary>
    public static ModelGraph Import(byte[] model, string sourceName, OnnxImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(model);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw NotOnnx(sourceName, e);
        }

        return Import(proto, sourceName, options);
    }

    private static OnnxImportException NoGraph(string source) => new($"{source}: not an ONNX model: it has no graph (is this an .onnx file?)");

    private static OnnxImportException NotOnnx(string source, InvalidProtocolBufferException e) =>
        new($"{source}: not a valid ONNX model (protobuf decoding failed: {e.Message}); the file may be truncated or not an .onnx file", innerException: e);

    private static ModelGraph Import(ModelProto model, string source, OnnxImportOptions? options)
    {
        OnnxImportException Fail(string message, Exception? inner = null) => new($"{source}: {message}", innerException: inner);

        var graph = model.Graph;
        if (graph is null || (graph.Node.Count == 0 && graph.Input.Count == 0))
        {
            throw NoGraph(source);
        }

        var opset = CheckOpset(model, source);
        // Sparse initializers (what `prune --sparsity unstructured` writes for mostly-zero weights) are read as the dense tensors they stand for.
        var dense = graph.SparseInitializer.Select(s =>
        {
            try
            {
                return SparseTensors.ToDense(s);
            }
            catch (InvalidDataException e)
            {
                throw Fail(e.Message, e);
            }
        }).ToList();
        var initializers = graph.Initializer.Concat(dense).ToList();
        var initializerNames = initializers.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializerNames.Contains(i.Name)).ToList();
        if (inputs.Count != 1)
        {
            throw Fail($"the graph has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}); the importer needs exactly one (the image batch)");
        }

        if (graph.Output.Count == 0) throw Fail("the graph has no output");

        var input = inputs[0];
        var inputShape = InputShape(input, options?.InputShape, source);
        var name = !string.IsNullOrWhiteSpace(graph.Name) && !GenericGraphNames.Contains(graph.Name)
            ? graph.Name
            : Path.GetFileNameWithoutExtension(source);

        var naming = new NodeNaming(graph, initializerNames, input.Name);
        var builder = new GraphBuilder(name, inputShape, seed: null, inputName: input.Name);
        try
        {
            var context = new ImportContext(graph, builder, naming);
            context.DefineActivation(input.Name, builder.Input);
            foreach (var initializer in initializers)
            {
                try
                {
                    context.DefineConstant(initializer.Name, TensorDecoder.Decode(initializer, $"initializer '{initializer.Name}'"));
                }
                catch (Exception e) when (e is InvalidDataException or NotSupportedException or PlatformNotSupportedException)
                {
                    throw Fail(e.Message, e);
                }
            }

            for (var i = 0; i < graph.Node.Count; i++)
            {
                if (!context.IsConsumed(graph.Node[i])) ConvertNode(context, graph.Node[i], i, source, opset);
            }

            // Every output, in the file's order; the first is the one trainers and evaluators read.
            var outputValues = new List<string>();
            foreach (var output in graph.Output.Select(o => o.Name))
            {
                if (!context.TryGetActivation(output, out var outputValue))
                {
                    throw Fail(context.TryGetConstant(output, out _)
                        ? $"the graph output '{output}' is a constant (it does not depend on the input)"
                        : $"the graph output '{output}' is not produced by any node");
                }

                if (outputValues.Contains(outputValue))
                {
                    throw Fail($"the graph outputs '{graph.Output[outputValues.IndexOf(outputValue)].Name}' and '{output}' are the same value; " +
                               "a graph output is listed once");
                }

                outputValues.Add(outputValue);
            }

            builder.Output(outputValues[0]);
            foreach (var more in outputValues.Skip(1)) builder.AlsoOutput(more);
            return builder.Build();
        }
        catch (OnnxImportException)
        {
            throw;
        }
        catch (Exception e) when (e is ArgumentException or GraphShapeException or InvalidOperationException)
        {
            throw Fail($"the imported graph is inconsistent: {e.Message}", e);
        }
        finally
        {
            // Frees every tensor taken over so far when the import failed; a no-op after Build().
            builder.Dispose();
        }
    }

    private static void ConvertNode(ImportContext context, NodeProto node, int index, string source, long opset)
    {
        var label = node.Name.Length > 0 ? $"{source}: node '{node.Name}' ({node.OpType})" : $"{source}: node #{index} ({node.OpType}, unnamed)";
        if (node.Domain is not ("" or "ai.onnx"))
        {
            throw new OnnxImportException($"{label}: domain '{node.Domain}' is not supported; only the default ONNX domain is", node.Name, node.OpType);
        }

        if (!OpConverters.Table.TryGetValue(node.OpType, out var convert))
        {
            // The opset says which version of the op the file means; the supported set is what the user can re-export to.
            throw new OnnxImportException($"{label}: op type '{node.OpType}' (opset {opset}) is not supported. Supported ops: {OpConverters.SupportedList}",
                node.Name, node.OpType);
        }

        try
        {
            convert(context, node);
        }
        catch (NotSupportedException e)
        {
            // A supported op used in a way the IR cannot hold: the opset says which version of the op was read.
            throw new OnnxImportException($"{label}: {e.Message} (opset {opset})", node.Name, node.OpType, e);
        }
        catch (Exception e) when (e is not OnnxImportException and not OutOfMemoryException)
        {
            throw new OnnxImportException($"{label}: {e.Message}", node.Name, node.OpType, e);
        }
    }

    /// <summary>The default domain's opset, checked to be one the importer reads.</summary>
    private static long CheckOpset(ModelProto model, string source)
    {
        var imports = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").ToList();
        if (imports.Count == 0)
        {
            throw new OnnxImportException($"{source}: the model declares no opset for the default ONNX domain (is this an .onnx file?)");
        }

        var opset = imports.Max(o => o.Version);
        if (opset < OnnxSchema.MinImportOpset || opset > OnnxSchema.MaxImportOpset)
        {
            throw new OnnxImportException($"{source}: opset {opset} is not supported; the importer reads opsets " +
                                          $"{OnnxSchema.MinImportOpset}–{OnnxSchema.MaxImportOpset} (re-export with e.g. torch.onnx.export(..., opset_version={OnnxSchema.Opset}))");
        }

        return opset;
    }

    /// <summary>
    /// The shape to infer for: <paramref name="requested"/> when given (it must agree with the model's fixed
    /// dimensions), else the model's, with a dynamic batch as 1.
    /// </summary>
    private static long[] InputShape(ValueInfoProto input, long[]? requested, string source)
    {
        OnnxImportException Fail(string message) => new($"{source}: graph input '{input.Name}' {message}");

        var tensorType = input.Type?.TensorType ?? throw Fail("is not a tensor");
        if (tensorType.ElemType != (int)TensorProto.Types.DataType.Float)
        {
            throw Fail($"has element type {(TensorProto.Types.DataType)tensorType.ElemType}; the importer needs float32 input");
        }

        var dims = tensorType.Shape?.Dim;
        var example = requested is null ? "[1, 3, 224, 224]" : Shapes.Format(requested);
        if (requested is not null)
        {
            if (requested.Any(d => d < 1)) throw Fail($"cannot take InputShape {Shapes.Format(requested)}: dimensions must be positive");
            if (dims is not null)
            {
                if (dims.Count != requested.Length) throw Fail($"has {dims.Count} dimensions but InputShape {Shapes.Format(requested)} has {requested.Length}");
                for (var i = 0; i < dims.Count; i++)
                {
                    if (dims[i].HasDimValue && dims[i].DimValue > 0 && dims[i].DimValue != requested[i])
                    {
                        throw Fail($"has fixed dimension {i} = {dims[i].DimValue}, but InputShape {Shapes.Format(requested)} asks for {requested[i]}");
                    }
                }
            }

            return Bounded((long[])requested.Clone());
        }

        if (dims is null) throw new OnnxImportException($"{source}: graph input '{input.Name}' has no shape; pass OnnxImportOptions.InputShape (e.g. {example})") { NeedsInputShape = true };
        var shape = new long[dims.Count];
        for (var i = 0; i < dims.Count; i++)
        {
            if (dims[i].HasDimValue && dims[i].DimValue > 0)
            {
                shape[i] = dims[i].DimValue;
            }
            else if (i == 0)
            {
                shape[i] = 1; // a dynamic batch: forward accepts any batch size
            }
            else
            {
                var what = dims[i].HasDimParam ? $"'{dims[i].DimParam}'" : "unknown";
                throw new OnnxImportException($"{source}: graph input '{input.Name}' has a dynamic dimension {i} ({what}); pass OnnxImportOptions.InputShape with the size to import for (e.g. {example})")
                {
                    NeedsInputShape = true,
                };
            }
        }

        return Bounded(shape);

        // A shape field is a number anyone can write: one sample of 10¹² values would be allocated by the first forward pass.
        long[] Bounded(long[] candidate)
        {
            var perSample = 1.0;
            foreach (var d in candidate.Skip(1)) perSample *= d;
            if (perSample > MaxInputElementsPerSample)
            {
                throw new OnnxImportException(
                    $"{source}: graph input '{input.Name}' has shape {Shapes.Format(candidate)}: {perSample:G3} values per sample, more than the {MaxInputElementsPerSample:N0} the importer accepts; " +
                    $"pass OnnxImportOptions.InputShape (--input-shape) with the size to import for (e.g. {example})")
                {
                    NeedsInputShape = true,
                };
            }

            return candidate;
        }
    }

    /// <summary>The most values one input sample may have (2²⁸ floats, 1 GiB): far above any image a CNN takes.</summary>
    public const long MaxInputElementsPerSample = 1L << 28;
}
