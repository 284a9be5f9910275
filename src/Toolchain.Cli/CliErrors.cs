using System.Text.Json;
using Toolchain.Cli.Ui;
using Toolchain.Agent.Client;
using Toolchain.Pipeline;

namespace Toolchain.Cli;

/// <summary>
/// Maps failures to messages and exit codes: bad input (missing/corrupt files, unknown names, impossible settings) is
/// the user's to fix and exits <see cref="ExitCodes.BadInput"/>; an interruption (SIGINT, SIGTERM) that stopped the
/// command at a safe point exits <see cref="ExitCodes.Cancelled"/> saying how to continue; anything else is a bug and
/// exits <see cref="ExitCodes.InternalError"/>.
/// </summary>
public static class CliErrors
{
    /// <summary>A command that is over in moments: an interruption ends it like any other.</summary>
    public static int Guard(IConsoleUi ui, Func<IConsoleUi, int> command) =>
        Guard(ui, CancellationToken.None, () => "nothing was written", command);

    /// <summary>
    /// Runs a long command that honours <paramref name="cancellation"/> (the host's stopping token: SIGINT or SIGTERM).
    /// When it stops for it, the error names what was kept and how to continue: <paramref name="onInterrupt"/>, asked then
    /// (so it can look at what is on disk).
    /// </summary>
    public static int Guard(IConsoleUi ui, CancellationToken cancellation, Func<string> onInterrupt, Func<IConsoleUi, int> command)
    {
        // Stopping waits for the current batch, measurement or write to finish: say so at once.
        using var notice = cancellation.Register(() => Notice(ui, "interrupted: stopping at the next safe point (the current step finishes and its state is saved)"));
        try
        {
            return command(ui);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            ui.Error($"interrupted; {onInterrupt()}");
            return ExitCodes.Cancelled;
        }
        catch (Exception e) when (IsBadInput(e))
        {
            ui.Error(e.Message);
            return ExitCodes.BadInput;
        }
        catch (Exception e)
        {
            ui.Error($"internal error: {e}");
            return ExitCodes.InternalError;
        }
    }

    /// <summary>
    /// Whether <paramref name="e"/> says the input is bad (exit 3) rather than that the tool has a bug (exit 1): the
    /// Pipeline's classification (<see cref="Failures.IsBadInput"/>, which the device agent applies to its jobs too), and a
    /// device agent's refusal or unreachability, which the user fixes (address, token, versions, settings).
    /// </summary>
    public static bool IsBadInput(Exception e) => e is AgentException agent ? agent.IsBadInput : Failures.IsBadInput(e);

    /// <summary>A note on standard error in both modes (a JSON object with --json), so it never breaks standard output.</summary>
    public static void Notice(IConsoleUi ui, string message) =>
        Console.Error.WriteLine(ui.IsJson ? JsonSerializer.Serialize(new { warning = message }) : $"warning: {message}");
}
