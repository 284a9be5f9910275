namespace Toolchain.Methods;

/// <summary>What a pruning run removes.</summary>
public enum Sparsity
{
    /// <summary>Whole channels, then the graph is compacted: fewer MACs, smaller and faster on dense kernels.</summary>
    Structured,

    /// <summary>
    /// Single conv and linear weights (<see cref="Toolchain.Pruning.WeightMasks"/>); the graph keeps its shape, so the
    /// file can shrink but the deployed latency is the dense latency.
    /// </summary>
    Unstructured,
}

/// <summary>Reads and writes <see cref="Sparsity"/> as the command line spells it.</summary>
public static class SparsityNames
{
    public static IReadOnlyList<string> Names { get; } = ["structured", "unstructured"];

    public static Sparsity Parse(string text) => text switch
    {
        "structured" => Sparsity.Structured,
        "unstructured" => Sparsity.Unstructured,
        _ => throw new ArgumentException($"--sparsity '{text}' is not known; use {string.Join(" or ", Names)}"),
    };

    public static string Name(this Sparsity sparsity) => sparsity == Sparsity.Structured ? "structured" : "unstructured";
}
