namespace Toolchain.Torch;

/// <summary>
/// The one generator of test and measurement inputs: uniform values in [−1, 1) from a seed of their own (never
/// libtorch's global generator), so a parity check, a benchmark or a profile sees the same input in every process.
/// </summary>
public static class SeededInputs
{
    /// <summary>The elements of a tensor of <paramref name="shape"/>, uniform in [−1, 1), reproducible from <paramref name="seed"/>.</summary>
    public static float[] Uniform(IReadOnlyList<long> shape, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var count = 1L;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentOutOfRangeException(nameof(shape), $"dimension {d} in [{string.Join(", ", shape)}] is negative");
            count = checked(count * d);
        }

        if (count > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(shape), $"[{string.Join(", ", shape)}] has {count} elements, more than one array holds");
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
