namespace Toolchain.Pipeline.Report;

/// <summary>One gate of the run (a check a build pipeline can fail on) and its verdict.</summary>
/// <param name="Name">The gate, e.g. "accuracy-drop" or "latency-measured".</param>
/// <param name="Measured">The measured value; null when the gate could not measure (then it fails, and the message says why).</param>
/// <param name="Limit">The limit the value is held to; null for a pass/fail check without a number.</param>
/// <param name="Tolerance">Slack allowed beyond the limit (same unit); null for none.</param>
/// <param name="Unit">The unit of the numbers, e.g. "ms", "%" or "" for a plain number.</param>
/// <param name="Passed">Whether the gate passed.</param>
/// <param name="Message">One sentence for a person: what was compared and the outcome.</param>
public sealed record GateResult(string Name, double? Measured, double? Limit, double? Tolerance, string Unit, bool Passed, string Message);
