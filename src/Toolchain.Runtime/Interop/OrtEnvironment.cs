namespace Toolchain.Runtime.Interop;

/// <summary>
/// The one process-wide <c>OrtEnv</c> (logging at warning level), created on first use. Every session refers to
/// it, so it lives until the process ends and is never released.
/// </summary>
internal static class OrtEnvironment
{
    private static readonly Lazy<EnvHandle> Env = new(() => OrtNative.CreateEnv("toolchain"), LazyThreadSafetyMode.ExecutionAndPublication);

    public static EnvHandle Instance => Env.Value;
}
