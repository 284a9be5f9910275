namespace Toolchain.Graph;

/// <summary>ONNX Flatten: [d0…d(axis−1)] and [d(axis)…] each collapse to one dimension.</summary>
public sealed record FlattenAttributes(int Axis = 1) : OpAttributes;
