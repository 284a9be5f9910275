namespace Toolchain.Torch;

/// <summary>Element types. The numeric values are the native ABI codes.</summary>
public enum DType
{
    Float32 = 0,
    Int64 = 1,
    Bool = 2,
    Float64 = 3,
}

public static class DTypeExtensions
{
    public static int ElementSize(this DType type) => type switch
    {
        DType.Float32 => 4,
        DType.Int64 => 8,
        DType.Bool => 1,
        DType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown dtype"),
    };

    public static string Name(this DType type) => type switch
    {
        DType.Float32 => "float32",
        DType.Int64 => "int64",
        DType.Bool => "bool",
        DType.Float64 => "float64",
        _ => type.ToString(),
    };
}
