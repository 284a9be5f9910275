namespace Toolchain.Training.Data;

/// <summary>How a <see cref="BatchLoader"/> cuts a dataset into batches.</summary>
/// <param name="BatchSize">Images per batch.</param>
/// <param name="Shuffle">A fresh order every epoch (from <paramref name="Seed"/> and the epoch number) or dataset order.</param>
/// <param name="DropLast">Leave out the final batch when it would be smaller than <paramref name="BatchSize"/>.</param>
/// <param name="Seed">Seeds the order and the augmentation; with the epoch number it fixes every batch exactly.</param>
/// <param name="Prefetch">Batches prepared ahead on the background thread.</param>
public sealed record BatchLoaderOptions(int BatchSize = 128, bool Shuffle = true, bool DropLast = false, int Seed = 0, int Prefetch = 3)
{
    internal void Validate()
    {
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "batch size must be positive");
        if (Prefetch <= 0) throw new ArgumentOutOfRangeException(nameof(Prefetch), Prefetch, "prefetch must be at least 1 batch");
    }
}
