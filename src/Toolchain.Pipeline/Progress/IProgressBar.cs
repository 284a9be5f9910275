namespace Toolchain.Pipeline;

/// <summary>One live progress bar: the progress of one stage of a job, as the console (or a report) shows it.</summary>
public interface IProgressBar
{
    void Update(string description, double completed, double total);
}
