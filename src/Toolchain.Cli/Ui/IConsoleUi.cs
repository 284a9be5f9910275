using Toolchain.Pipeline;

namespace Toolchain.Cli.Ui;

/// <summary>
/// Everything a command shows goes through here: tables and progress bars for people, one JSON object per
/// line for machines (<c>--json</c>). Errors always go to standard error.
/// </summary>
public interface IConsoleUi
{
    bool IsJson { get; }

    /// <summary>A line of prose for people (JSON mode drops it).</summary>
    void Info(string message);

    /// <summary>A table for people; in JSON mode nothing (commands emit their own JSON record).</summary>
    void Table(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows);

    /// <summary>A JSON record for machines; in human mode nothing.</summary>
    void Json(object record);

    void Error(string message);

    /// <summary>Runs <paramref name="work"/> with a live progress bar of <paramref name="total"/> steps (people only).</summary>
    T WithProgress<T>(string title, Func<IProgressBar, T> work);
}
