using Toolchain.Methods;
using Toolchain.Pipeline;
using Toolchain.Pruning;

namespace Toolchain.Cli.Ui;

/// <summary>
/// A job's lines, stages and trail entries on the console (prune and run): prose and progress bars for people,
/// <c>trail</c> records for <c>--json</c>.
/// </summary>
internal sealed class ConsolePruneObserver(IConsoleUi ui) : IPruneObserver
{
    public void Info(string message) => ui.Info(message);

    public T WithProgress<T>(string title, Func<IProgressBar, T> work) => ui.WithProgress(title, work);

    /// <summary>One line per epoch: each budgeted cost against its limit, and the accuracy.</summary>
    public void Entry(TrailEntry entry, BudgetSet budgets)
    {
        var costs = string.Join(", ", entry.Costs.Select(c => budgets.Budgets.FirstOrDefault(b => b.Spec.Cost == c.Key) is { } b
            ? $"{c.Key} {Budget.Format(c.Value, b.Cost.Unit)} / {Budget.Format(b.Limit, b.Cost.Unit)}"
            : $"{c.Key} {c.Value:N0}"));
        var accuracy = entry.TestTop1 is { } top1 ? $", test top-1 {top1:P2}" : "";
        ui.Info($"{entry.Phase} epoch {entry.Epoch}: {costs}{accuracy}{(entry.BudgetsMet ? "" : " (budgets not yet met)")}");
        ui.Json(new { type = "trail", entry.Phase, entry.Epoch, entry.Costs, entry.TestTop1, entry.TestTop5, entry.TrainLoss, entry.BudgetsMet, entry.Widths });
    }
}
