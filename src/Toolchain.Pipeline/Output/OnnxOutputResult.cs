namespace Toolchain.Pipeline;

/// <summary>What <see cref="OnnxOutput.Write"/> wrote: the size and, when checked, ONNX Runtime's agreement with us.</summary>
public sealed record OnnxOutputResult(long Bytes, double? ParityMaxAbsDiff, double? LogitScale);
