using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Runtime;

namespace Toolchain.Pipeline;

/// <summary>
/// --engine on the command line: which deployed engine runs MODEL. ONNX Runtime engines load an .onnx file as
/// it is, or our export of any other model (zoo name, graph file, checkpoint) with BatchNorm folded, as deployed;
/// the torch engine runs our own executor on the imported or loaded graph. The engines are the catalogue's
/// deployable ones (<see cref="Engines.Deployable"/>).
/// </summary>
public static class EngineFactory
{
    public static IReadOnlyList<string> Names { get; } = Engines.Deployable.Select(e => e.Name).ToArray();

    /// <summary>--engine's description; names only, so --help does not load ONNX Runtime to probe the GPU providers.</summary>
    public static string Description { get; } = $"Engine: {Engines.Describe(Engines.Deployable)}";

    /// <summary>Checks the name before any work starts.</summary>
    /// <exception cref="ArgumentException">Not a deployable engine; the message lists those that are.</exception>
    public static EngineId Validate(string engine) => Engines.FindDeployable(engine);

    /// <summary>A function that creates the engine, so benchmarks can time session creation.</summary>
    /// <exception cref="NotSupportedException">The engine cannot run on this host (says why).</exception>
    public static Func<IInferenceEngine> Creator(string engine, string model, int threads, long[]? inputShape = null, bool profileNodes = false)
    {
        var id = Validate(engine);
        // Before the export below: a GPU engine this host cannot run says why without first exporting the model.
        if (id.WhyUnavailable() is { } why) throw new NotSupportedException(why);
        if (id.Backend == EngineBackend.Libtorch)
        {
            return () => new TorchEngine(ModelResolver.Open(model, inputShape: inputShape), ownsGraph: true);
        }

        var options = new OrtEngineOptions
        {
            IntraOpThreads = threads,
            EnableProfiling = profileNodes,
            Provider = id.Provider!.Value,
        };
        if (IsOnnxFile(model))
        {
            if (!File.Exists(model)) throw new FileNotFoundException($"model file '{model}' does not exist", model);
            return () => OrtEngine.Load(model, options);
        }

        // Export once, outside the timed creation: a user deploying this model would ship this .onnx.
        byte[] onnx;
        using (var graph = ModelResolver.Open(model, inputShape: inputShape)) onnx = OnnxExporter.Export(graph, new OnnxExportOptions { FoldBatchNorm = true });
        return () => OrtEngine.Load(onnx, model, options);
    }

    public static bool IsOnnxFile(string model) => model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The engine's first input shape with dynamic dimensions resolved: the batch from <paramref name="batch"/>, the
    /// others from <paramref name="requested"/> (--input-shape).
    /// </summary>
    public static long[] InputShape(IInferenceEngine engine, int batch, long[]? requested = null) => InputShape(engine.Inputs, batch, requested);

    /// <summary>The same for a model's declared <paramref name="inputs"/> (e.g. read from the file before any engine exists).</summary>
    public static long[] InputShape(IReadOnlyList<TensorSpec> inputs, int batch, long[]? requested = null)
    {
        if (inputs.Count != 1)
        {
            throw new ArgumentException($"the model has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => i.Name))}); only single-input models are supported");
        }

        var spec = inputs[0];
        var shape = (long[])spec.Shape.Clone();
        if (requested is not null && requested.Length == shape.Length)
        {
            for (var i = 1; i < shape.Length; i++)
            {
                if (shape[i] < 0) shape[i] = requested[i];
                else if (shape[i] != requested[i]) throw new ArgumentException($"--input-shape {string.Join("x", requested)} contradicts input '{spec.Name}' [{string.Join(", ", spec.Shape)}]");
            }
        }

        if (shape.Length > 0 && shape[0] < 0) shape[0] = batch;
        else if (shape.Length > 0 && shape[0] != batch)
        {
            throw new ArgumentException($"input '{spec.Name}' has a fixed batch of {shape[0]}; --batch {batch} cannot run (export with a dynamic batch)");
        }

        if (shape.Any(d => d < 0))
        {
            throw new ArgumentException($"input '{spec.Name}' has dynamic dimensions besides the batch [{string.Join(", ", spec.Shape)}]; give --input-shape N×C×H×W");
        }

        return shape;
    }
}
