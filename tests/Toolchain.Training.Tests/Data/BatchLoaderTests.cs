using Toolchain.Torch;
using Toolchain.Training.Data;

namespace Toolchain.Training.Tests.Data;

public class BatchLoaderTests
{
    private static readonly ImageShape Shape = new(3, 32, 32);

    /// <summary>Image i is filled with the byte i % 251 and labelled i % 10, so a batch row identifies its sample.</summary>
    private static ImageDataset Indexed(int count)
    {
        var pixels = new byte[count * Shape.Size];
        var labels = new int[count];
        for (var i = 0; i < count; i++)
        {
            pixels.AsSpan(i * Shape.Size, Shape.Size).Fill((byte)(i % 251));
            labels[i] = i % 10;
        }

        return new ImageDataset("indexed", Shape, Enumerable.Range(0, 10).Select(k => $"c{k}").ToArray(), pixels, labels);
    }

    private static readonly IImageTransform Plain = ImageAugmentation.Evaluation(Normalization.None());

    [Fact]
    public void Epoch_WithoutDropLast_VisitsEverySampleOnceWithMatchingTensors()
    {
        var data = Indexed(103);
        using var loader = new BatchLoader(data, Plain, new BatchLoaderOptions(BatchSize: 16, Seed: 3));
        var seen = new List<int>();
        var batches = 0;

        foreach (var batch in loader.Epoch(0))
        {
            using (batch)
            {
                var n = batch.Count;
                Assert.Equal(batches == 6 ? 7 : 16, n);
                Assert.Equal([n, 3, 32, 32], batch.Images.Shape);
                Assert.Equal(DType.Float32, batch.Images.DType);
                Assert.Equal([n], batch.Labels.Shape);
                Assert.Equal(DType.Int64, batch.Labels.DType);
                Assert.Equal(batches, batch.Index);

                var images = batch.Images.ToArray<float>();
                var labels = batch.Labels.ToArray<long>();
                for (var j = 0; j < n; j++)
                {
                    var sample = batch.SampleIndices[j];
                    Assert.Equal(data.Label(sample), labels[j]);
                    Assert.Equal(sample % 251 / 255f, images[j * Shape.Size], 1e-6f);
                    Assert.Equal(sample % 251 / 255f, images[(j + 1) * Shape.Size - 1], 1e-6f);
                }

                seen.AddRange(batch.SampleIndices);
                batches++;
            }
        }

        Assert.Equal(7, batches);
        Assert.Equal(loader.BatchesPerEpoch, batches);
        Assert.Equal(Enumerable.Range(0, 103), seen.Order());
        Assert.NotEqual(Enumerable.Range(0, 103), seen);
        Assert.Equal(0, loader.RunningProducers);
    }

    [Fact]
    public void Epoch_DropLast_OnlyFullBatchesOfDistinctSamples()
    {
        using var loader = new BatchLoader(Indexed(103), Plain, new BatchLoaderOptions(BatchSize: 16, DropLast: true));

        var batches = Take(loader, 0);

        Assert.Equal(6, loader.BatchesPerEpoch);
        Assert.Equal(96, loader.SamplesPerEpoch);
        Assert.Equal(6, batches.Count);
        Assert.All(batches, b => Assert.Equal(16, b.Length));
        Assert.Equal(96, batches.SelectMany(b => b).Distinct().Count());
    }

    [Fact]
    public void Epoch_Order_DiffersPerEpochAndReproducesForSeed()
    {
        var data = Indexed(200);
        using var first = new BatchLoader(data, Plain, new BatchLoaderOptions(BatchSize: 32, Seed: 9));
        using var resumed = new BatchLoader(data, Plain, new BatchLoaderOptions(BatchSize: 32, Seed: 9));
        using var other = new BatchLoader(data, Plain, new BatchLoaderOptions(BatchSize: 32, Seed: 10));

        var epoch0 = Flatten(Take(first, 0));
        var epoch1 = Flatten(Take(first, 1));

        Assert.NotEqual(epoch0, epoch1);
        // A run resumed at epoch 1 sees what the uninterrupted run saw.
        Assert.Equal(epoch1, Flatten(Take(resumed, 1)));
        Assert.Equal(first.EpochOrder(1), epoch1);
        Assert.NotEqual(epoch0, Flatten(Take(other, 0)));
    }

    [Fact]
    public void Epoch_NoShuffle_DatasetOrder()
    {
        using var loader = new BatchLoader(Indexed(50), Plain, new BatchLoaderOptions(BatchSize: 8, Shuffle: false));

        Assert.Equal(Enumerable.Range(0, 50), Flatten(Take(loader, 4)));
    }

    [Fact]
    public void Epoch_Augmentation_SameImagesForSameSeedAndEpoch()
    {
        var data = Shapes10.Generate(64, 5);
        var transform = ImageAugmentation.Training(Normalization.Cifar10);
        using var a = new BatchLoader(data, transform, new BatchLoaderOptions(BatchSize: 16, Seed: 1));
        using var b = new BatchLoader(data, transform, new BatchLoaderOptions(BatchSize: 16, Seed: 1));

        var fromA = Images(a, 2);
        var fromB = Images(b, 2);
        var nextEpoch = Images(a, 3);

        Assert.Equal(fromA, fromB);
        Assert.NotEqual(fromA, nextEpoch);
    }

    [Fact]
    public void Epoch_ConsumerStopsEarly_ProducerStopsAndPrefetchIsBounded()
    {
        var counting = new CountingTransform();
        using var loader = new BatchLoader(Indexed(2000), counting, new BatchLoaderOptions(BatchSize: 10, Prefetch: 2));

        foreach (var batch in loader.Epoch(0))
        {
            batch.Dispose();
            Assert.Equal(1, loader.RunningProducers);
            // Give the producer time to run ahead as far as the queue lets it.
            Thread.Sleep(200);
            // One batch taken, at most Prefetch queued, one more being prepared while blocked.
            Assert.InRange(counting.Calls, 10, 10 * (1 + 2 + 1));
            break;
        }

        Assert.Equal(0, loader.RunningProducers);
        var calls = counting.Calls;
        Thread.Sleep(100);
        Assert.Equal(calls, counting.Calls);
    }

    [Fact]
    public void Dispose_DuringEpoch_StopsProducerAndEndsEnumerationWithError()
    {
        var loader = new BatchLoader(Indexed(2000), Plain, new BatchLoaderOptions(BatchSize: 10, Prefetch: 2));
        using var enumerator = loader.Epoch(0).GetEnumerator();
        Assert.True(enumerator.MoveNext());
        enumerator.Current.Dispose();

        loader.Dispose();

        Assert.Equal(0, loader.RunningProducers);
        Assert.Throws<ObjectDisposedException>(() =>
        {
            while (enumerator.MoveNext()) enumerator.Current.Dispose();
        });
        Assert.Throws<ObjectDisposedException>(() => loader.Epoch(1));
    }

    [Fact]
    public void Epoch_ProducerThrows_ConsumerGetsExceptionAfterEarlierBatches()
    {
        using var loader = new BatchLoader(Indexed(100), new FailingTransform(failAtCall: 35), new BatchLoaderOptions(BatchSize: 10, Shuffle: false));
        var received = 0;

        var error = Assert.Throws<InvalidDataException>(() =>
        {
            foreach (var batch in loader.Epoch(0))
            {
                batch.Dispose();
                received++;
            }
        });

        Assert.Equal("broken image 35", error.Message);
        Assert.Equal(3, received);
        Assert.Equal(0, loader.RunningProducers);
    }

    [Fact]
    public void Epoch_ConsumerInsideDisposeScope_BatchOutlivesTheScope()
    {
        using var loader = new BatchLoader(Indexed(20), Plain, new BatchLoaderOptions(BatchSize: 5));
        Batch? kept = null;
        using (DisposeScope.Enter())
        {
            foreach (var batch in loader.Epoch(0))
            {
                kept = batch;
                break;
            }
        }

        Assert.NotNull(kept);
        Assert.False(kept.Images.IsDisposed);
        Assert.Equal(5, kept.Labels.ToArray<long>().Length);
        kept.Dispose();
        Assert.True(kept.Images.IsDisposed && kept.Labels.IsDisposed);
    }

    [Fact]
    public void Constructor_BadBatchSize_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchLoader(Indexed(10), Plain, new BatchLoaderOptions(BatchSize: 0)));
    }

    private static List<int[]> Take(BatchLoader loader, int epoch)
    {
        var result = new List<int[]>();
        foreach (var batch in loader.Epoch(epoch))
        {
            using (batch) result.Add(batch.SampleIndices.ToArray());
        }

        return result;
    }

    private static int[] Flatten(List<int[]> batches) => batches.SelectMany(b => b).ToArray();

    private static float[] Images(BatchLoader loader, int epoch)
    {
        var all = new List<float>();
        foreach (var batch in loader.Epoch(epoch))
        {
            using (batch) all.AddRange(batch.Images.ToArray<float>());
        }

        return all.ToArray();
    }

    private sealed class CountingTransform : IImageTransform
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public void Apply(ReadOnlySpan<byte> image, ImageShape shape, Span<float> destination, Random random)
        {
            Interlocked.Increment(ref _calls);
            Plain.Apply(image, shape, destination, random);
        }
    }

    private sealed class FailingTransform(int failAtCall) : IImageTransform
    {
        private int _calls;

        public void Apply(ReadOnlySpan<byte> image, ImageShape shape, Span<float> destination, Random random)
        {
            if (_calls++ == failAtCall) throw new InvalidDataException($"broken image {failAtCall}");
            Plain.Apply(image, shape, destination, random);
        }
    }
}
