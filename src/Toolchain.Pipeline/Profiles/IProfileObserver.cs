using Toolchain.Profiling;

namespace Toolchain.Pipeline;

/// <summary>What a <see cref="ProfileJob"/> tells whoever runs it: its lines, each model's measurement as it runs, and each model's result once saved.</summary>
public interface IProfileObserver : IJobObserver
{
    /// <summary>One model is profiled and the profile file holds it.</summary>
    void Profiled(ProfileResult result);
}
