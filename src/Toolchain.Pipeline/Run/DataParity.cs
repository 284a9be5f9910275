using Toolchain.Graph;
using Toolchain.Runtime;
using Toolchain.Training;
using Toolchain.Training.Data;

namespace Toolchain.Pipeline;

/// <summary>
/// A deployed model against our executor on real test images: ONNX Runtime running the written .onnx, and libtorch
/// running the graph it was exported from (the compacted, fine-tuned graph the prune stage kept), on the first
/// <paramref name="Images"/> test images of <paramref name="Data"/>, preprocessed as evaluation preprocesses them.
/// </summary>
/// <param name="Data">The data set's name, e.g. "fashion-mnist".</param>
/// <param name="Images">How many test images both ran.</param>
/// <param name="MaxAbsDiff">The largest |Δ| over every output element.</param>
/// <param name="OutputScale">The largest |output| of our executor: what the difference compares with.</param>
/// <param name="Top1Agreement">The fraction of images whose top-1 class is the same on both.</param>
/// <param name="DeployedTop1">ONNX Runtime's top-1 accuracy on these images.</param>
/// <param name="ReferenceTop1">Our executor's top-1 accuracy on these images.</param>
public sealed record DataParity(string Data, int Images, double MaxAbsDiff, double OutputScale, double Top1Agreement, double DeployedTop1, double ReferenceTop1)
{
    /// <summary>"256 test images of fashion-mnist".</summary>
    public string Describe() => $"{Images} test images of {Data}";
}

/// <summary>Computes <see cref="DataParity"/>: the pipeline's parity check on real data, beside the random-input check at export.</summary>
public static class DataParityCheck
{
    /// <summary>Test images the pipeline checks parity on: enough to meet every class of a 10-class set many times, a second of work for small models.</summary>
    public const int DefaultImages = 256;

    /// <summary>Images per forward pass: bounds memory for ImageNet-size inputs.</summary>
    private const int Chunk = 64;

    /// <summary>Where the pipeline keeps the reference graph of a written .onnx: NAME.safetensors beside it (pruned.onnx → pruned.safetensors).</summary>
    public static string ReferenceGraphPath(string onnxPath) => Path.ChangeExtension(onnxPath, ".safetensors");

    /// <summary>
    /// Runs the first <paramref name="images"/> test images of <paramref name="data"/> through ONNX Runtime on
    /// <paramref name="onnxPath"/> and through our executor on the graph file <paramref name="referenceGraph"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The data set has fewer images or another input shape than the models.</exception>
    public static DataParity Run(string onnxPath, string referenceGraph, DataSource data, int images = DefaultImages, int threads = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(onnxPath);
        ArgumentException.ThrowIfNullOrEmpty(referenceGraph);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(images, 1);
        if (data.Test.Count < images) throw new ArgumentException($"data '{data.Name}' has {data.Test.Count} test images; the parity check needs {images}");

        using var file = GraphFile.Load(referenceGraph);
        var graph = file.Graph;
        graph.Training = false;
        long[] expected = [.. graph.InputShape.Skip(1)];
        long[] given = [data.Test.Shape.Channels, data.Test.Shape.Height, data.Test.Shape.Width];
        if (!expected.SequenceEqual(given))
        {
            throw new ArgumentException($"'{referenceGraph}' takes {string.Join("×", expected)} inputs but data '{data.Name}' has {string.Join("×", given)} images");
        }

        using var deployed = OrtEngine.Load(onnxPath, new OrtEngineOptions { IntraOpThreads = threads > 0 ? threads : Environment.ProcessorCount });
        using var ours = new TorchEngine(graph, ownsGraph: false);
        var subset = data.Test.Subset(Enumerable.Range(0, images).ToList());
        using var loader = new BatchLoader(subset, ImageAugmentation.Evaluation(data.Normalization), new BatchLoaderOptions(Math.Min(Chunk, images), Shuffle: false));
        double maxDiff = 0, scale = 0;
        int agree = 0, deployedHits = 0, referenceHits = 0, seen = 0;
        foreach (var batch in loader.Epoch(0))
        {
            using var _ = batch;
            var input = new HostTensor(batch.Images.Shape, batch.Images.ToArray<float>());
            var labels = batch.Labels.ToArray<long>();
            var reference = ours.Run([input])[0];
            var actual = deployed.Run([input])[0];
            if (!reference.Shape.SequenceEqual(actual.Shape))
            {
                throw new InvalidOperationException($"'{onnxPath}' gives outputs of shape {HostTensor.FormatShape(actual.Shape)}, our executor {HostTensor.FormatShape(reference.Shape)}");
            }

            var classes = reference.Data.Length / batch.Count; // per image: the class scores of a classifier
            for (var i = 0; i < reference.Data.Length; i++)
            {
                maxDiff = Math.Max(maxDiff, Math.Abs((double)reference.Data[i] - actual.Data[i]));
                scale = Math.Max(scale, Math.Abs((double)reference.Data[i]));
            }

            for (var n = 0; n < batch.Count; n++)
            {
                var ref1 = ArgMax(reference.Data.AsSpan(n * classes, classes));
                var dep1 = ArgMax(actual.Data.AsSpan(n * classes, classes));
                if (ref1 == dep1) agree++;
                if (ref1 == labels[n]) referenceHits++;
                if (dep1 == labels[n]) deployedHits++;
            }

            seen += batch.Count;
        }

        return new DataParity(data.Name, seen, maxDiff, scale, (double)agree / seen, (double)deployedHits / seen, (double)referenceHits / seen);
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best]) best = i;
        }

        return best;
    }
}
