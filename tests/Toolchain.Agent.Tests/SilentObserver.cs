using Toolchain.Pipeline;

namespace Toolchain.Agent.Tests;

/// <summary>A job observer that shows nothing: the tests look at results, not at progress bars.</summary>
internal sealed class SilentObserver : IJobObserver
{
    public void Info(string message)
    {
    }

    public T WithProgress<T>(string title, Func<IProgressBar, T> work) => work(new Bar());

    private sealed class Bar : IProgressBar
    {
        public void Update(string description, double completed, double total)
        {
        }
    }
}
