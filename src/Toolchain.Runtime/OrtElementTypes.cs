namespace Toolchain.Runtime;

/// <summary>ONNX tensor element types (ONNX Runtime's TensorElementType) by the NumPy-style names the public API uses.</summary>
internal static class OrtElementTypes
{
    private static readonly string[] Names =
    [
        "undefined", "float32", "uint8", "int8", "uint16", "int16", "int32", "int64", "string", "bool", "float16",
        "float64", "uint32", "uint64", "complex64", "complex128", "bfloat16",
    ];

    public static string Name(int elementType) =>
        elementType >= 0 && elementType < Names.Length ? Names[elementType] : $"element type {elementType}";
}
