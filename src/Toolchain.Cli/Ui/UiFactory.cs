using Spectre.Console;

namespace Toolchain.Cli.Ui;

/// <summary>Chooses the UI for one invocation: JSON when <c>--json</c> is given, Spectre.Console otherwise.</summary>
public sealed class UiFactory(IAnsiConsole console)
{
    public IConsoleUi Create(bool json) => json ? new JsonUi() : new HumanUi(console);
}
