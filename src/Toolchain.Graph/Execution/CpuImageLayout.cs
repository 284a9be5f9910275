namespace Toolchain.Graph.Execution;

/// <summary>How the executor stores image batches (4-d values) on the CPU.</summary>
public enum CpuImageLayout
{
    /// <summary>Chosen per graph for this host and the graph's input size (<see cref="ExecutorSettings.LayoutFor"/>).</summary>
    Auto,

    /// <summary>NHWC in memory: oneDNN's convolutions work in it directly, without reordering to and from their blocked layout.</summary>
    ChannelsLast,

    /// <summary>PyTorch's default NCHW.</summary>
    Nchw,
}
