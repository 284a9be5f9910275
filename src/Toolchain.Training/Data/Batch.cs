using Toolchain.Torch;

namespace Toolchain.Training.Data;

/// <summary>
/// One mini-batch: images [N, C, H, W] float32 and labels [N] int64, owned by whoever received it (no dispose
/// scope holds them): dispose the batch when the step is done.
/// </summary>
public sealed class Batch : IDisposable
{
    internal Batch(Tensor images, Tensor labels, int epoch, int index, int[] sampleIndices)
    {
        Images = images;
        Labels = labels;
        Epoch = epoch;
        Index = index;
        SampleIndices = sampleIndices;
    }

    public Tensor Images { get; }

    public Tensor Labels { get; }

    public int Epoch { get; }

    /// <summary>Position of this batch within its epoch.</summary>
    public int Index { get; }

    /// <summary>The dataset indices of the images, in batch order.</summary>
    public IReadOnlyList<int> SampleIndices { get; }

    public int Count => SampleIndices.Count;

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
