namespace Toolchain.Pipeline;

/// <summary>
/// What a job tells whoever runs it: lines of prose and the progress of its long stages. The job decides what to
/// say; the observer decides how it shows (the console's tables and bars, JSON lines, a report, nothing).
/// </summary>
public interface IJobObserver
{
    /// <summary>A line of prose for people: what is happening, a note or a warning.</summary>
    void Info(string message);

    /// <summary>Runs <paramref name="work"/>, one stage of the job titled <paramref name="title"/>, with a live progress bar.</summary>
    T WithProgress<T>(string title, Func<IProgressBar, T> work);
}
