using Toolchain.Torch;

namespace Toolchain.Graph.Execution;

/// <summary>Process-wide choices of the graph executor.</summary>
public static class ExecutorSettings
{
    /// <summary>
    /// Above this many input pixels (H×W) an AMD host trains faster in NCHW. Measured on an AMD EPYC (2 threads,
    /// make bench): ResNet-20 at 32×32 trains at 914 img/s channels-last vs 718 NCHW, ResNet-18 at 224×224 at
    /// 14.6 vs 23.1 img/s (MobileNetV2 at 224×224 likewise). Intel hosts measured channels-last ahead at 32×32.
    /// </summary>
    public const long AmdChannelsLastMaxPixels = 64 * 64;

    /// <summary>
    /// The layout image batches run in on the CPU, read at every forward pass; <see cref="CpuImageLayout.Auto"/>
    /// (the default) lets <see cref="LayoutFor"/> choose per graph. Every op keeps a channels-last input
    /// channels-last, so one conversion at the graph's input suffices; results are the same values either way.
    /// </summary>
    public static CpuImageLayout CpuImageLayout { get; set; } = CpuImageLayout.Auto;

    /// <summary>
    /// The layout a graph with <paramref name="inputShape"/> (N, C, H, W) runs in: the set one, or with Auto
    /// channels-last (oneDNN's convolutions skip their layout reorders: about 28 % of conv time at CIFAR sizes) except
    /// on AMD hosts for inputs larger than <see cref="AmdChannelsLastMaxPixels"/>, where oneDNN's channels-last
    /// kernels train slower than NCHW.
    /// </summary>
    public static CpuImageLayout LayoutFor(IReadOnlyList<long> inputShape)
    {
        if (CpuImageLayout != CpuImageLayout.Auto) return CpuImageLayout;
        var pixels = inputShape.Count == 4 ? inputShape[2] * inputShape[3] : 0;
        return HostCpu.IsAmd && pixels > AmdChannelsLastMaxPixels ? CpuImageLayout.Nchw : CpuImageLayout.ChannelsLast;
    }
}
