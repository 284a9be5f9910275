namespace Toolchain.Graph;

/// <summary>Square max/average pooling window. <see cref="CountIncludePad"/> matters for average pooling only.</summary>
public sealed record PoolAttributes(int Kernel, int Stride, int Padding = 0, bool CeilMode = false, bool CountIncludePad = true) : OpAttributes
{
    public override string? Invalid() => Window("kernel", (Kernel, Kernel), 1) ?? Window("stride", (Stride, Stride), 1) ?? Window("padding", (Padding, Padding), 0);
}
