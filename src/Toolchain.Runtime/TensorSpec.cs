namespace Toolchain.Runtime;

/// <summary>
/// An engine's input or output: its name, element type (NumPy-style: float32, int64, …) and shape, −1 where a
/// dimension is dynamic (e.g. the batch).
/// </summary>
public sealed record TensorSpec(string Name, string ElementType, long[] Shape)
{
    /// <summary>True when <paramref name="shape"/> fits: same rank, equal wherever this spec's dimension is fixed.</summary>
    public bool Accepts(IReadOnlyList<long> shape)
    {
        if (shape.Count != Shape.Length) return false;
        for (var i = 0; i < Shape.Length; i++)
        {
            if (Shape[i] >= 0 && Shape[i] != shape[i]) return false;
        }

        return true;
    }

    public override string ToString() => $"{Name}: {ElementType}{HostTensor.FormatShape(Shape)}";
}
