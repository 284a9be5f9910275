namespace Toolchain.Agent.Jobs;

/// <summary>
/// When a job held the device, on the monotonic clock (<see cref="System.Diagnostics.Stopwatch"/> ticks): kept so that "one
/// job at a time" can be checked, not just believed.
/// </summary>
public sealed record RunInterval(string JobId, long StartTicks, long EndTicks);
