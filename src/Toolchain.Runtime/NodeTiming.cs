namespace Toolchain.Runtime;

/// <summary>Time ONNX Runtime spent in one graph node's kernel over the profiled runs.</summary>
public sealed record NodeTiming(string NodeName, string OpType, long TotalMicroseconds, int Calls, double MeanMicroseconds);
