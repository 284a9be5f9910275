namespace Toolchain.Graph;

/// <summary>Square max/average pooling window. <see cref="CountIncludePad"/> matters for average pooling only.</summary>
public sealed record PoolAttributes(int Kernel, int Stride, int Padding = 0, bool CeilMode = false, bool CountIncludePad = true) : OpAttributes;
