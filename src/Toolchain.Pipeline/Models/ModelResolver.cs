using Toolchain.Graph;
using Toolchain.Onnx;

namespace Toolchain.Pipeline;

/// <summary>MODEL on the command line: a zoo name, an ONNX file, or the path of a graph file / checkpoint.</summary>
public static class ModelResolver
{
    /// <summary>
    /// Builds a zoo model (for <paramref name="zooInput"/>, a data set's input, when given), imports an .onnx file (at
    /// <paramref name="inputShape"/> when its sizes are dynamic) or loads
    /// a graph file; unknown names list the zoo.
    /// </summary>
    public static ModelGraph Open(string model, int? numClasses = null, ulong seed = 0, long[]? inputShape = null, long[]? zooInput = null)
    {
        if (EngineFactory.IsOnnxFile(model))
        {
            if (!File.Exists(model)) throw new FileNotFoundException($"model file '{model}' does not exist", model);
            try
            {
                return OnnxImporter.Import(model, new OnnxImportOptions { InputShape = inputShape });
            }
            catch (OnnxImportException e) when (e.NeedsInputShape)
            {
                // The library's advice names its API; on the command line the same thing is an option.
                throw new ArgumentException(e.Message.Replace("OnnxImportOptions.InputShape", "--input-shape N×C×H×W"), e);
            }
        }

        if (File.Exists(model))
        {
            // Only the graph is wanted; free what else the file holds (e.g. a checkpoint's optimizer buffers).
            var file = GraphFile.Load(model);
            foreach (var extra in file.ExtraTensors.Values) extra.Dispose();
            return file.Graph;
        }

        if (model.Contains('/') || model.EndsWith(".safetensors", StringComparison.Ordinal))
        {
            throw new FileNotFoundException($"model file '{model}' does not exist", model);
        }

        return ModelZoo.Create(model, numClasses, seed, zooInput);
    }
}
