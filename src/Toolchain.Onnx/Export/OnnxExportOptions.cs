namespace Toolchain.Onnx;

/// <summary>How <see cref="OnnxExporter"/> writes a graph.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>
    /// Folds each BatchNorm that directly follows a Conv (whose output nothing else reads) into that Conv's weight
    /// and bias. BatchNorms that cannot fold are exported as BatchNormalization.
    /// </summary>
    public bool FoldBatchNorm { get; init; } = false;

    /// <summary>
    /// Declares the batch dimension symbolically (dim_param "batch") so one model serves every batch size;
    /// otherwise every dimension is fixed at the graph's input shape.
    /// </summary>
    public bool DynamicBatch { get; init; } = true;

    /// <summary>
    /// Writes weight tensors (2 or more dimensions: conv and linear weights) that are mostly zeros as ONNX
    /// sparse_initializer (COO: the non-zero values and their linear int64 indices) wherever that is smaller than the dense
    /// tensor, i.e. below 1/3 non-zero (12 bytes per kept weight against 4 per weight). ONNX Runtime (1.31, the version
    /// this project loads) densifies them when it loads the model — the export tests' parity checks run such files — so the file shrinks,
    /// not the latency. Off by default: most consumers expect dense initializers.
    /// </summary>
    public bool SparseWeights { get; init; }

    /// <summary>Written as the model's producer_name.</summary>
    public string ProducerName { get; init; } = "toolchain";
}
