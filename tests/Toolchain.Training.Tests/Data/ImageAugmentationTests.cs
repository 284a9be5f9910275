using Toolchain.Training.Data;

namespace Toolchain.Training.Tests.Data;

public class ImageAugmentationTests
{
    private static readonly ImageShape Shape = new(3, 32, 32);

    /// <summary>An image whose every value is distinct enough to locate it: v(c, y, x).</summary>
    private static byte[] PositionImage()
    {
        var image = new byte[Shape.Size];
        for (var c = 0; c < 3; c++)
        for (var y = 0; y < 32; y++)
        for (var x = 0; x < 32; x++)
            image[(c * 32 + y) * 32 + x] = Value(c, y, x);
        return image;
    }

    private static byte Value(int c, int y, int x) => (byte)(1 + c * 60 + y * 7 + x * 3 % 250);

    private static float At(float[] output, int c, int y, int x) => output[(c * 32 + y) * 32 + x];

    [Fact]
    public void Apply_FlipWithoutCrop_IsLeftRightMirror()
    {
        var transform = new ImageAugmentation(Normalization.None(), CropPadding: 4);
        var image = PositionImage();
        var output = new float[Shape.Size];

        transform.Apply(image, Shape, output, 0, 0, flip: true);

        for (var c = 0; c < 3; c++)
        for (var y = 0; y < 32; y++)
        for (var x = 0; x < 32; x++)
            Assert.Equal(Value(c, y, 31 - x) / 255f, At(output, c, y, x), 1e-6f);
    }

    [Fact]
    public void Apply_CropOffset_ShiftsContentAndFillsPaddingWithZeroPixels()
    {
        var normalization = Normalization.Cifar10;
        var transform = new ImageAugmentation(normalization, CropPadding: 4);
        var image = PositionImage();
        var output = new float[Shape.Size];

        transform.Apply(image, Shape, output, offsetY: 2, offsetX: -3, flip: false);

        for (var c = 0; c < 3; c++)
        {
            var padded = -normalization.Mean[c] / normalization.Std[c];
            for (var y = 0; y < 32; y++)
            for (var x = 0; x < 32; x++)
            {
                int sy = y + 2, sx = x - 3;
                var expected = sy < 32 && sx >= 0
                    ? (Value(c, sy, sx) / 255f - normalization.Mean[c]) / normalization.Std[c]
                    : padded;
                Assert.Equal(expected, At(output, c, y, x), 1e-5f);
            }
        }
    }

    [Fact]
    public void Apply_OffsetBeyondPadding_Throws()
    {
        var transform = new ImageAugmentation(Normalization.None(), CropPadding: 4);

        Assert.Throws<ArgumentOutOfRangeException>(() => transform.Apply(PositionImage(), Shape, new float[Shape.Size], 5, 0, false));
    }

    [Fact]
    public void Apply_Random_DeterministicForSeedAndCoversAllChoices()
    {
        var transform = ImageAugmentation.Training(Normalization.None());
        var image = PositionImage();
        var first = new Random(5);
        var second = new Random(5);
        var flips = 0;
        var shifts = new HashSet<(int, int)>();
        for (var trial = 0; trial < 200; trial++)
        {
            var a = new float[Shape.Size];
            var b = new float[Shape.Size];
            transform.Apply(image, Shape, a, first);
            transform.Apply(image, Shape, b, second);
            Assert.Equal(a, b);

            // Identify the choice: find the offset and flip that reproduce the output.
            var found = false;
            for (var dy = -4; dy <= 4 && !found; dy++)
            for (var dx = -4; dx <= 4 && !found; dx++)
            foreach (var flip in new[] { false, true })
            {
                var candidate = new float[Shape.Size];
                transform.Apply(image, Shape, candidate, dy, dx, flip);
                if (!candidate.AsSpan().SequenceEqual(a)) continue;
                found = true;
                flips += flip ? 1 : 0;
                shifts.Add((dy, dx));
                break;
            }

            Assert.True(found, "a random augmentation must be a crop within ±4 and an optional flip");
        }

        Assert.InRange(flips, 70, 130);
        Assert.True(shifts.Count > 60, $"only {shifts.Count} of 81 offsets seen");
    }

    [Fact]
    public void Evaluation_ComputedNormalization_ZeroMeanUnitStdPerChannel()
    {
        var data = Shapes10.Generate(300, 9);
        var normalization = Normalization.Compute(data);
        var transform = ImageAugmentation.Evaluation(normalization);
        var output = new float[Shape.Size];
        var sum = new double[3];
        var sumSquares = new double[3];
        var random = new Random(0);

        for (var i = 0; i < data.Count; i++)
        {
            transform.Apply(data.Image(i), Shape, output, random);
            for (var c = 0; c < 3; c++)
            foreach (var v in output.AsSpan(c * 1024, 1024))
            {
                sum[c] += v;
                sumSquares[c] += v * v;
            }
        }

        var n = 1024.0 * data.Count;
        for (var c = 0; c < 3; c++)
        {
            var mean = sum[c] / n;
            Assert.InRange(mean, -1e-3, 1e-3);
            Assert.InRange(Math.Sqrt(sumSquares[c] / n - mean * mean), 0.999, 1.001);
        }
    }

    [Fact]
    public void Compute_KnownPixels_ExactMeanAndStd()
    {
        // Two 1×1×2 images: channel values 0 and 255 → mean 0.5, std 0.5.
        var data = new ImageDataset("tiny", new ImageShape(1, 1, 2), ["a"], [0, 255, 255, 0], [0, 0]);

        var normalization = Normalization.Compute(data);

        Assert.Equal(0.5f, normalization.Mean[0], 6);
        Assert.Equal(0.5f, normalization.Std[0], 6);
    }

    [Fact]
    public void Normalization_BadStd_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => new Normalization([0.5f], [0f]));
        Assert.Throws<ArgumentException>(() => new Normalization([0.5f, 0.5f], [1f]));
    }
}
