using Toolchain.Profiling;

namespace Toolchain.Pipeline;

/// <summary>What a <see cref="ProfileJob"/> wrote: the profile file, the profile as saved, and every model's result in order.</summary>
public sealed record ProfileJobResult(string Path, LatencyProfile Profile, IReadOnlyList<ProfileResult> Models);
