namespace Toolchain.Cli;

/// <summary>The documented exit codes a build pipeline can gate on.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>An unexpected internal failure (a bug: please report it with the message).</summary>
    public const int InternalError = 1;

    /// <summary>The command line is malformed: unknown command or option, missing argument.</summary>
    public const int Usage = 2;

    /// <summary>The input is bad: missing or corrupt file, unknown model, impossible settings.</summary>
    public const int BadInput = 3;

    /// <summary>toolchain run: the pipeline finished and at least one gate failed (junit.xml names it).</summary>
    public const int GateFailed = 4;

    /// <summary>
    /// Interrupted by SIGINT (Ctrl-C) or SIGTERM: the command stopped at its next safe point (the write in progress
    /// finished; no output is half-written) and said how to continue — <c>--resume</c> for train and prune (the last
    /// finished epoch's checkpoint is intact), the same command again for run and profile.
    /// </summary>
    public const int Cancelled = 130;
}
