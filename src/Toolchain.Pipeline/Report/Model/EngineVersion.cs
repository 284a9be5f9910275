namespace Toolchain.Pipeline.Report;

/// <summary>One engine or library and its version, e.g. ("ONNX Runtime", "1.31.1") or ("libtorch", "1.13.1").</summary>
public sealed record EngineVersion(string Name, string Version);
