namespace Toolchain.Pipeline.Report;

/// <summary>
/// Whether TensorRT is on the host. It is detected, never assumed: an absent TensorRT is reported as such with the
/// files the tool looked for, so a reader can tell "not installed" from "not tried".
/// </summary>
/// <param name="Present">Whether it was found.</param>
/// <param name="Version">Its version when found.</param>
/// <param name="LookedFor">The files or commands searched for (e.g. "libnvinfer.so.10", "trtexec").</param>
public sealed record TensorRtStatus(bool Present, string? Version, IReadOnlyList<string> LookedFor)
{
    /// <summary>What the report prints: the version, or "not on this host".</summary>
    public string Describe() => Present ? $"present{(Version is null ? "" : $" ({Version})")}" : "not on this host";
}
