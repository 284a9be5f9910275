using Toolchain.Methods;
using Toolchain.Pruning;

namespace Toolchain.Pipeline.Tests;

/// <summary>Keeps what a job tells its observer, so tests can read it back.</summary>
internal sealed class RecordingObserver : IPruneObserver
{
    public List<string> Lines { get; } = [];

    public List<string> Stages { get; } = [];

    public List<TrailEntry> Entries { get; } = [];

    /// <summary>Called after each entry is kept (a test can interrupt the job here).</summary>
    public Action<TrailEntry>? OnEntry { get; init; }

    public void Info(string message) => Lines.Add(message);

    public T WithProgress<T>(string title, Func<IProgressBar, T> work)
    {
        Stages.Add(title);
        return work(new IgnoredBar());
    }

    public void Entry(TrailEntry entry, BudgetSet budgets)
    {
        Entries.Add(entry);
        OnEntry?.Invoke(entry);
    }

    private sealed class IgnoredBar : IProgressBar
    {
        public void Update(string description, double completed, double total)
        {
        }
    }
}
