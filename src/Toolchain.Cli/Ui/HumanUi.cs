using Spectre.Console;
using Toolchain.Pipeline;

namespace Toolchain.Cli.Ui;

/// <summary>Spectre.Console tables and progress bars.</summary>
public sealed class HumanUi(IAnsiConsole console) : IConsoleUi
{
    public bool IsJson => false;

    public void Info(string message) => console.MarkupLine(Markup.Escape(message));

    public void Table(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        var table = new Table { Title = new TableTitle(Markup.Escape(title)), Border = TableBorder.Rounded };
        foreach (var c in columns) table.AddColumn(new TableColumn(Markup.Escape(c)).RightAligned());
        table.Columns[0].LeftAligned();
        foreach (var row in rows) table.AddRow(row.Select(Markup.Escape).ToArray());
        console.Write(table);
    }

    public void Json(object record)
    {
    }

    public void Error(string message) => Console.Error.WriteLine($"error: {message}");

    public T WithProgress<T>(string title, Func<IProgressBar, T> work)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            // Logs and CI: no redraws; print a line per completed unit instead.
            return work(new LineProgress(console));
        }

        return console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx => work(new SpectreProgress(ctx.AddTask(Markup.Escape(title)))));
    }

    private sealed class SpectreProgress(ProgressTask task) : IProgressBar
    {
        public void Update(string description, double completed, double total)
        {
            task.Description = Markup.Escape(description);
            task.MaxValue = total;
            task.Value = completed;
        }
    }

    /// <summary>Prints at most one line per 10 % so logs stay readable.</summary>
    private sealed class LineProgress(IAnsiConsole console) : IProgressBar
    {
        private int _lastDecile = -1;

        public void Update(string description, double completed, double total)
        {
            var decile = total <= 0 ? 10 : (int)(10 * completed / total);
            if (decile == _lastDecile) return;
            _lastDecile = decile;
            console.WriteLine($"  {description} [{decile * 10,3}%]");
        }
    }
}
