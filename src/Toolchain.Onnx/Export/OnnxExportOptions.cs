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

    /// <summary>Written as the model's producer_name.</summary>
    public string ProducerName { get; init; } = "toolchain";
}
