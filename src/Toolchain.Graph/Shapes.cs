namespace Toolchain.Graph;

/// <summary>Small helpers for shapes given as long[].</summary>
public static class Shapes
{
    public static string Format(IReadOnlyList<long>? shape) => shape is null ? "(none)" : $"[{string.Join(", ", shape)}]";

    public static long Product(IReadOnlyList<long> shape, int from = 0, int to = int.MaxValue)
    {
        long p = 1;
        for (var i = from; i < Math.Min(to, shape.Count); i++) p *= shape[i];
        return p;
    }
}
