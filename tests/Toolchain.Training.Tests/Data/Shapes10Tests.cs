using Toolchain.Training.Data;

namespace Toolchain.Training.Tests.Data;

public class Shapes10Tests
{
    [Fact]
    public void Generate_SameSeed_IdenticalBytesAndLabels()
    {
        var a = Shapes10.Generate(300, 42);
        var b = Shapes10.Generate(300, 42);

        Assert.True(a.Pixels.SequenceEqual(b.Pixels));
        Assert.True(a.Labels.SequenceEqual(b.Labels));
    }

    [Fact]
    public void Generate_DifferentSeed_DifferentImages()
    {
        var a = Shapes10.Generate(200, 1);
        var b = Shapes10.Generate(200, 2);

        Assert.False(a.Pixels.SequenceEqual(b.Pixels));
        // Not just a few pixels: nearly every image differs.
        var differing = Enumerable.Range(0, a.Count).Count(i => !a.Image(i).SequenceEqual(b.Image(i)));
        Assert.True(differing > 195, $"only {differing} of 200 images differ");
    }

    [Fact]
    public void Create_Defaults_ShapesClassesAndExactBalance()
    {
        var test = Shapes10.Create(DatasetSplit.Test);

        Assert.Equal(Shapes10.DefaultTestCount, test.Count);
        Assert.Equal(new ImageShape(3, 32, 32), test.Shape);
        Assert.Equal(10, test.NumClasses);
        Assert.Equal(10, test.ClassNames.Distinct().Count());
        Assert.All(test.ClassCounts(), n => Assert.Equal(Shapes10.DefaultTestCount / 10, n));
        // Shuffled, not in class blocks or round robin.
        Assert.NotEqual(Enumerable.Range(0, 20).Select(i => i % 10), test.Labels[..20].ToArray());
    }

    [Fact]
    public void Create_TrainAndTestWithSameSeed_ShareNoImages()
    {
        var train = Shapes10.Create(DatasetSplit.Train, 500, seed: 7);
        var test = Shapes10.Create(DatasetSplit.Test, 500, seed: 7);

        var trainImages = Enumerable.Range(0, train.Count).Select(i => Convert.ToBase64String(train.Image(i))).ToHashSet();
        Assert.DoesNotContain(Enumerable.Range(0, test.Count), i => trainImages.Contains(Convert.ToBase64String(test.Image(i))));
    }

    [Fact]
    public void Generate_MeanColour_DoesNotRevealTheClass()
    {
        var train = Shapes10.Generate(3000, 11);
        var test = Shapes10.Generate(1000, 12);

        // A nearest-centroid classifier on each image's mean (R, G, B) should be close to chance (10 %).
        var centroids = new double[10, 3];
        var counts = train.ClassCounts();
        for (var i = 0; i < train.Count; i++)
        {
            var mean = MeanColour(train, i);
            for (var c = 0; c < 3; c++) centroids[train.Label(i), c] += mean[c] / counts[train.Label(i)];
        }

        var correct = 0;
        for (var i = 0; i < test.Count; i++)
        {
            var mean = MeanColour(test, i);
            var best = Enumerable.Range(0, 10).MinBy(k => Enumerable.Range(0, 3).Sum(c => Math.Pow(mean[c] - centroids[k, c], 2)));
            if (best == test.Label(i)) correct++;
        }

        Assert.True(correct < 0.25 * test.Count, $"mean colour classifies {correct} of {test.Count}");

        // And per-class brightness ranges overlap: every class's interquartile range meets every other's.
        var quartiles = Enumerable.Range(0, 10).Select(k =>
        {
            var b = Enumerable.Range(0, train.Count).Where(i => train.Label(i) == k).Select(i => MeanColour(train, i).Average()).Order().ToArray();
            return (Low: b[b.Length / 4], High: b[3 * b.Length / 4]);
        }).ToArray();
        foreach (var p in quartiles)
        foreach (var q in quartiles)
            Assert.True(p.Low <= q.High && q.Low <= p.High);
    }

    [Fact]
    public void Generate_Images_HaveStructureNotFlatColour()
    {
        var data = Shapes10.Generate(100, 3);

        for (var i = 0; i < data.Count; i++)
        {
            var image = data.Image(i);
            var mean = 0.0;
            foreach (var b in image) mean += b;
            mean /= image.Length;
            var variance = 0.0;
            foreach (var b in image) variance += (b - mean) * (b - mean);
            Assert.True(Math.Sqrt(variance / image.Length) > 5, $"image {i} is nearly flat");
        }
    }

    private static double[] MeanColour(ImageDataset data, int index)
    {
        var image = data.Image(index);
        var plane = data.Shape.PlaneSize;
        var mean = new double[3];
        for (var c = 0; c < 3; c++)
        {
            long sum = 0;
            foreach (var b in image.Slice(c * plane, plane)) sum += b;
            mean[c] = sum / (255.0 * plane);
        }

        return mean;
    }
}
