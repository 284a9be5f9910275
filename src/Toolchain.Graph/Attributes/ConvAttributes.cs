namespace Toolchain.Graph;

/// <summary>
/// 2-D convolution hyper-parameters (symmetric padding). In/out channels come from the weight
/// [out, in/groups, kh, kw]; <see cref="Groups"/> is stored because it cannot be derived (pruning a depthwise
/// conv changes it together with the weight).
/// </summary>
public sealed record ConvAttributes((int H, int W) Kernel, (int H, int W) Stride, (int H, int W) Padding, (int H, int W) Dilation, int Groups) : OpAttributes
{
    public static ConvAttributes Square(int kernel, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        new((kernel, kernel), (stride, stride), (padding, padding), (dilation, dilation), groups);

    public override string? Invalid() =>
        Window("kernel", Kernel, 1) ?? Window("stride", Stride, 1) ?? Window("dilation", Dilation, 1) ?? Window("padding", Padding, 0)
        ?? (Groups < 1 ? $"groups {Groups} must be at least 1" : null);
}
