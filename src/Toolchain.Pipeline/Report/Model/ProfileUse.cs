namespace Toolchain.Pipeline.Report;

/// <summary>The latency profile a run predicted with, and whether it was measured on this machine.</summary>
/// <param name="Path">The profile file.</param>
/// <param name="Fingerprint">The profile's device fingerprint as one line.</param>
/// <param name="FingerprintMatches">Whether that fingerprint matches this machine's.</param>
/// <param name="Differences">How it differs ("CPU: profile X, here Y"); empty when it matches.</param>
public sealed record ProfileUse(string Path, string Fingerprint, bool FingerprintMatches, IReadOnlyList<string> Differences);
