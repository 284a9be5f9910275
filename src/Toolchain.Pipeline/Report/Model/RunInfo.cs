namespace Toolchain.Pipeline.Report;

/// <summary>Which run a report describes.</summary>
/// <param name="ToolRevision">The git revision the toolchain was built from (e.g. "b08593c", "+dirty" when it had local changes), or "unknown".</param>
/// <param name="StartedUtc">When the run started.</param>
/// <param name="FinishedUtc">When it finished; null while it runs (a report of an interrupted run).</param>
/// <param name="ConfigFile">The pipeline config the run followed, as given; null for a run without one.</param>
/// <param name="OutputFolder">The run folder every <see cref="Artifact"/> path is relative to.</param>
public sealed record RunInfo(string ToolRevision, DateTimeOffset StartedUtc, DateTimeOffset? FinishedUtc, string? ConfigFile, string OutputFolder);
