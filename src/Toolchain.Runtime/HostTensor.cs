namespace Toolchain.Runtime;

/// <summary>
/// A float32 tensor in host memory, row-major (C order): what engines take and return. Equality compares shape and
/// elements (bit patterns, so NaN equals NaN).
/// </summary>
public sealed record HostTensor
{
    public HostTensor(long[] Shape, float[] Data)
    {
        ArgumentNullException.ThrowIfNull(Shape);
        ArgumentNullException.ThrowIfNull(Data);
        var count = ElementCount(Shape);
        if (count != Data.Length)
        {
            throw new ArgumentException(
                $"a tensor of shape {FormatShape(Shape)} holds {count} elements, but {Data.Length} were given", nameof(Data));
        }

        this.Shape = Shape;
        this.Data = Data;
    }

    public long[] Shape { get; }

    public float[] Data { get; }

    public void Deconstruct(out long[] shape, out float[] data)
    {
        shape = Shape;
        data = Data;
    }

    /// <summary>The number of elements of <paramref name="shape"/> (1 for a scalar); rejects negative dimensions.</summary>
    public static long ElementCount(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"shape {FormatShape(shape)} has a negative dimension");
            count = checked(count * d);
        }

        return count;
    }

    /// <summary>Uniform [−1, 1) values of <paramref name="shape"/> from <paramref name="seed"/> (<see cref="Toolchain.Torch.SeededInputs"/>).</summary>
    public static HostTensor RandomUniform(long[] shape, int seed = 0) => new(shape, Toolchain.Torch.SeededInputs.Uniform(shape, seed));

    /// <summary>A shape as <c>[2, 3, -1]</c>.</summary>
    public static string FormatShape(IReadOnlyList<long> shape) => "[" + string.Join(", ", shape) + "]";

    public bool Equals(HostTensor? other) =>
        other is not null && Shape.AsSpan().SequenceEqual(other.Shape) &&
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(Data.AsSpan()).SequenceEqual(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(other.Data.AsSpan()));

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var d in Shape) hash.Add(d);
        hash.Add(Data.Length);
        return hash.ToHashCode();
    }

    public override string ToString() => $"HostTensor({FormatShape(Shape)})";
}
