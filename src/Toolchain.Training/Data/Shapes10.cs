namespace Toolchain.Training.Data;

/// <summary>
/// A synthetic 10-class dataset of 32×32 colour images (shapes and textures on cluttered, noisy backgrounds),
/// generated in-process from a seed because no real dataset can be downloaded everywhere this runs.
/// Colours, sizes, positions and rotations are random, so neither mean colour nor position gives the class away;
/// low-contrast and occluded samples keep a small CNN from reaching 100 %.
/// </summary>
public static class Shapes10
{
    public const int DefaultTrainCount = 20_000;
    public const int DefaultTestCount = 4_000;

    public static ImageShape Shape { get; } = new(3, 32, 32);

    public static IReadOnlyList<string> ClassNames { get; } =
    [
        "disc", "square", "triangle", "cross", "ring",
        "horizontal-stripes", "vertical-stripes", "checkerboard", "diagonal-stripes", "dot-grid",
    ];

    /// <summary>
    /// The train or test split. The split is mixed into the seed, so train and test never share images even
    /// when both are asked for with the same seed.
    /// </summary>
    public static ImageDataset Create(DatasetSplit split, int? count = null, int seed = 0)
    {
        var n = count ?? (split == DatasetSplit.Train ? DefaultTrainCount : DefaultTestCount);
        var splitSeed = SplitMix64.Mix((ulong)seed, split == DatasetSplit.Train ? 1 : 2);
        return Generate(n, splitSeed, $"shapes10-{(split == DatasetSplit.Train ? "train" : "test")}");
    }

    /// <summary>
    /// <paramref name="count"/> images from <paramref name="seed"/>; classes are balanced (exactly when count is a
    /// multiple of 10) and in shuffled order. Identical bytes for the same arguments on any machine and thread count.
    /// </summary>
    public static ImageDataset Generate(int count, ulong seed, string name = "shapes10")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var classes = ClassNames.Count;
        var labels = new int[count];
        for (var i = 0; i < count; i++) labels[i] = i % classes;
        var shuffle = new SplitMix64(SplitMix64.Mix(seed, -1));
        for (var i = count - 1; i > 0; i--)
        {
            var j = shuffle.NextInt(i + 1);
            (labels[i], labels[j]) = (labels[j], labels[i]);
        }

        var size = Shape.Size;
        var pixels = new byte[(long)count * size];
        // Each image draws from its own generator (seed, index), so the parallel split cannot change the bytes.
        const int chunk = 256;
        Parallel.For(0, (count + chunk - 1) / chunk,
            () => new float[size],
            (c, _, canvas) =>
            {
                var end = Math.Min(count, (c + 1) * chunk);
                for (var i = c * chunk; i < end; i++)
                {
                    var rng = new SplitMix64(SplitMix64.Mix(seed, i));
                    Shapes10Renderer.Render(labels[i], ref rng, canvas, pixels.AsSpan(i * size, size));
                }

                return canvas;
            },
            _ => { });

        return new ImageDataset(name, Shape, ClassNames, pixels, labels);
    }
}
