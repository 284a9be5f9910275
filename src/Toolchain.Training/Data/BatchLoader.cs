using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Toolchain.Torch;

namespace Toolchain.Training.Data;

/// <summary>
/// Cuts a dataset into shuffled, transformed batches. Each enumeration of <see cref="Epoch"/> runs a background
/// thread that prepares up to <see cref="BatchLoaderOptions.Prefetch"/> batches ahead while the consumer trains.
/// The order and augmentation depend only on (seed, epoch, batch index), so resuming at epoch k reproduces the
/// batches of an uninterrupted run. Stopping the enumeration early (break, exception) or disposing the loader
/// stops the thread; an exception on the thread is re-thrown to the consumer.
/// </summary>
public sealed class BatchLoader : IDisposable
{
    private readonly HashSet<EpochProducer> _running = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    public BatchLoader(ImageDataset dataset, IImageTransform transform, BatchLoaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(transform);
        Options = options ?? new BatchLoaderOptions();
        Options.Validate();
        Dataset = dataset;
        Transform = transform;
    }

    public ImageDataset Dataset { get; }

    public IImageTransform Transform { get; }

    public BatchLoaderOptions Options { get; }

    public int BatchesPerEpoch => Options.DropLast
        ? Dataset.Count / Options.BatchSize
        : (Dataset.Count + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>Samples one epoch visits (all of them unless the last partial batch is dropped).</summary>
    public int SamplesPerEpoch => Options.DropLast ? BatchesPerEpoch * Options.BatchSize : Dataset.Count;

    /// <summary>Epoch enumerations whose producer thread has not been stopped (for diagnostics and tests).</summary>
    public int RunningProducers
    {
        get
        {
            lock (_gate) return _running.Count;
        }
    }

    /// <summary>The dataset indices in the order epoch <paramref name="epoch"/> visits them.</summary>
    public int[] EpochOrder(int epoch)
    {
        var order = new int[Dataset.Count];
        for (var i = 0; i < order.Length; i++) order[i] = i;
        if (!Options.Shuffle) return order;
        var rng = new SplitMix64(SplitMix64.Mix((ulong)Options.Seed, 0x5348, epoch));
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/>. Each batch belongs to the consumer, which disposes it.
    /// </summary>
    public IEnumerable<Batch> Epoch(int epoch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Run(epoch);
    }

    private IEnumerable<Batch> Run(int epoch)
    {
        var producer = new EpochProducer(this, epoch);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _running.Add(producer);
        }

        try
        {
            producer.Start();
            var shape = Dataset.Shape;
            foreach (var prepared in producer.Queue.GetConsumingEnumerable())
            {
                yield return prepared.ToBatch(shape);
            }

            ObjectDisposedException.ThrowIf(_disposed, this);
            producer.RethrowFailure();
        }
        finally
        {
            producer.Stop();
            lock (_gate) _running.Remove(producer);
        }
    }

    /// <summary>Stops every producer thread; enumerations in progress end with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        EpochProducer[] running;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            running = [.. _running];
        }

        foreach (var producer in running) producer.Stop();
        lock (_gate) _running.Clear();
    }

    /// <summary>A batch prepared in pooled managed buffers; tensors are made on the consumer's thread, so an abandoned queue holds no native memory.</summary>
    private sealed record PreparedBatch(int Epoch, int Index, int[] Samples, float[] Images, long[] Labels)
    {
        public Batch ToBatch(ImageShape shape)
        {
            var n = Samples.Length;
            Tensor? images = null;
            try
            {
                images = Tensor.FromSpan<float>(Images.AsSpan(0, n * shape.Size), n, shape.Channels, shape.Height, shape.Width).DetachFromScope();
                var labels = Tensor.FromSpan<long>(Labels.AsSpan(0, n), n).DetachFromScope();
                return new Batch(images, labels, Epoch, Index, Samples);
            }
            catch
            {
                images?.Dispose();
                throw;
            }
            finally
            {
                ReturnBuffers();
            }
        }

        public void ReturnBuffers()
        {
            ArrayPool<float>.Shared.Return(Images);
            ArrayPool<long>.Shared.Return(Labels);
        }
    }

    /// <summary>The background thread of one epoch's enumeration and its bounded queue.</summary>
    private sealed class EpochProducer
    {
        private readonly BatchLoader _loader;
        private readonly int _epoch;
        private readonly CancellationTokenSource _cancel = new();
        private readonly Thread _thread;
        private readonly Lock _stopGate = new();
        private ExceptionDispatchInfo? _failure;
        private bool _stopped;

        public EpochProducer(BatchLoader loader, int epoch)
        {
            _loader = loader;
            _epoch = epoch;
            Queue = new BlockingCollection<PreparedBatch>(loader.Options.Prefetch);
            _thread = new Thread(Produce) { IsBackground = true, Name = $"BatchLoader {loader.Dataset.Name} epoch {epoch}" };
        }

        public BlockingCollection<PreparedBatch> Queue { get; }

        public void Start() => _thread.Start();

        public void RethrowFailure() => _failure?.Throw();

        private void Produce()
        {
            try
            {
                var options = _loader.Options;
                var dataset = _loader.Dataset;
                var shape = dataset.Shape;
                var order = _loader.EpochOrder(_epoch);
                var batches = _loader.BatchesPerEpoch;
                for (var b = 0; b < batches && !_cancel.IsCancellationRequested; b++)
                {
                    var start = b * options.BatchSize;
                    var n = Math.Min(options.BatchSize, order.Length - start);
                    var samples = order.AsSpan(start, n).ToArray();
                    var images = ArrayPool<float>.Shared.Rent(n * shape.Size);
                    var labels = ArrayPool<long>.Shared.Rent(n);
                    var prepared = new PreparedBatch(_epoch, b, samples, images, labels);
                    try
                    {
                        // Seeded per batch, so the augmentation does not depend on how far ahead the thread ran.
                        var random = new Random(SplitMix64.MixToInt((ulong)options.Seed, 0x4147, _epoch, b));
                        for (var j = 0; j < n; j++)
                        {
                            _loader.Transform.Apply(dataset.Image(samples[j]), shape, images.AsSpan(j * shape.Size, shape.Size), random);
                            labels[j] = dataset.Label(samples[j]);
                        }

                        Queue.Add(prepared, _cancel.Token);
                    }
                    catch
                    {
                        prepared.ReturnBuffers();
                        throw;
                    }
                }
            }
            catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
            {
                // Stopped by the consumer: nothing to report.
            }
            catch (Exception e)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                Queue.CompleteAdding();
            }
        }

        /// <summary>Cancels, waits for the thread, and returns the buffers of batches nobody took. Idempotent.</summary>
        public void Stop()
        {
            lock (_stopGate)
            {
                if (!_stopped)
                {
                    _stopped = true;
                    _cancel.Cancel();
                }
            }

            if (_thread.ThreadState != ThreadState.Unstarted && Thread.CurrentThread != _thread) _thread.Join();
            while (Queue.TryTake(out var left)) left.ReturnBuffers();
        }
    }
}
