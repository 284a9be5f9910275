namespace Toolchain.Pipeline;

/// <summary>
/// Reports on the calling thread. <see cref="Progress{T}"/> posts to the thread pool, so its last updates could
/// land after the work (and its progress bar) finished.
/// </summary>
public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
