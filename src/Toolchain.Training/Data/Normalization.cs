namespace Toolchain.Training.Data;

/// <summary>
/// Per-channel normalisation of pixels scaled to [0, 1]: (p/255 − mean[c]) / std[c], as torchvision's
/// ToTensor + Normalize.
/// </summary>
public sealed record Normalization
{
    public Normalization(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        if (mean.Count == 0 || mean.Count != std.Count)
        {
            throw new ArgumentException($"normalisation needs one mean and one std per channel; got {mean.Count} means and {std.Count} stds");
        }

        for (var c = 0; c < std.Count; c++)
        {
            if (!(std[c] > 0) || !float.IsFinite(std[c]) || !float.IsFinite(mean[c]))
            {
                throw new ArgumentException($"normalisation channel {c}: mean {mean[c]}, std {std[c]}; std must be finite and positive");
            }
        }

        Mean = mean.ToArray();
        Std = std.ToArray();
    }

    public IReadOnlyList<float> Mean { get; }

    public IReadOnlyList<float> Std { get; }

    public int Channels => Mean.Count;

    /// <summary>
    /// CIFAR-10 training-set statistics. The std is the per-pixel one (0.247, 0.243, 0.262), not the often
    /// copied (0.2023, 0.1994, 0.2010), which is a mean of per-image stds.
    /// </summary>
    public static Normalization Cifar10 { get; } = new([0.4914f, 0.4822f, 0.4465f], [0.2470f, 0.2435f, 0.2616f]);

    /// <summary>CIFAR-100 training-set statistics (per-pixel std).</summary>
    public static Normalization Cifar100 { get; } = new([0.5071f, 0.4865f, 0.4409f], [0.2673f, 0.2564f, 0.2762f]);

    /// <summary>Only the scaling to [0, 1].</summary>
    public static Normalization None(int channels = 3) => new(Enumerable.Repeat(0f, channels).ToArray(), Enumerable.Repeat(1f, channels).ToArray());

    /// <summary>The per-channel mean and std of a dataset's pixels (in [0, 1]), over all images and positions.</summary>
    public static Normalization Compute(ImageDataset dataset)
    {
        var shape = dataset.Shape;
        if (dataset.Count == 0) throw new ArgumentException($"dataset '{dataset.Name}' is empty: no statistics to compute");

        // A histogram per channel gives exact sums with integer arithmetic, and counting bytes is fast.
        var histograms = new long[shape.Channels, 256];
        var gate = new object();
        Parallel.For(0, dataset.Count, () => new long[shape.Channels, 256], (i, _, local) =>
        {
            var image = dataset.Image(i);
            for (var c = 0; c < shape.Channels; c++)
            {
                foreach (var b in image.Slice(c * shape.PlaneSize, shape.PlaneSize)) local[c, b]++;
            }

            return local;
        }, local =>
        {
            lock (gate)
            {
                for (var c = 0; c < shape.Channels; c++)
                for (var v = 0; v < 256; v++) histograms[c, v] += local[c, v];
            }
        });

        var mean = new float[shape.Channels];
        var std = new float[shape.Channels];
        for (var c = 0; c < shape.Channels; c++)
        {
            double n = 0, sum = 0, sumSquares = 0;
            for (var v = 0; v < 256; v++)
            {
                var x = v / 255.0;
                n += histograms[c, v];
                sum += histograms[c, v] * x;
                sumSquares += histograms[c, v] * x * x;
            }

            var m = sum / n;
            mean[c] = (float)m;
            // A constant channel would divide by zero; keep it at scale 1 instead.
            var s = Math.Sqrt(Math.Max(0, sumSquares / n - m * m));
            std[c] = s > 1e-6 ? (float)s : 1f;
        }

        return new Normalization(mean, std);
    }

    public override string ToString() => $"mean [{string.Join(", ", Mean)}], std [{string.Join(", ", Std)}]";
}
