namespace Toolchain.Graph;

/// <summary>
/// Elements Start, Start+Step, … before End along <see cref="Axis"/>, with ONNX semantics: negative indices count
/// from the end and out-of-range bounds are clamped. Step must be positive.
/// </summary>
public sealed record SliceAttributes(int Axis, long Start, long End, long Step = 1) : OpAttributes;
