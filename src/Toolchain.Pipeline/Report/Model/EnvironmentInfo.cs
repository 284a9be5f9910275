namespace Toolchain.Pipeline.Report;

/// <summary>The machine and software the run measured on: what a reader needs to judge whether the numbers carry over.</summary>
/// <param name="Fingerprint">The device fingerprint as one line, e.g. "ort-cpu 1.31.1, Intel(R) Xeon(R) Processor, 2 cores, 2 threads, batch 1, float32".</param>
/// <param name="Cpu">The CPU's model name.</param>
/// <param name="Cores">Logical processors the process could use.</param>
/// <param name="Threads">Intra-op threads the deployed engines ran with.</param>
/// <param name="Os">The operating system, e.g. "Debian GNU/Linux 12 (bookworm)".</param>
/// <param name="Gpu">The GPU model, or null when there is none.</param>
/// <param name="Engines">Every engine or library the run used and its version (ONNX Runtime, libtorch, ...).</param>
/// <param name="TensorRt">Whether TensorRT was found, and where the tool looked.</param>
/// <param name="Profile">The latency profile the predictions came from; null when the run predicted no latency.</param>
/// <param name="Agent">The device agent the target was measured through (target.device), whose machine the other fields describe; null: this machine.</param>
public sealed record EnvironmentInfo(
    string Fingerprint,
    string Cpu,
    int Cores,
    int Threads,
    string Os,
    string? Gpu,
    IReadOnlyList<EngineVersion> Engines,
    TensorRtStatus TensorRt,
    ProfileUse? Profile,
    string? Agent = null);
