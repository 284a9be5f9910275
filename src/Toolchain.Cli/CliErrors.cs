using Toolchain.Cli.Ui;
using Toolchain.Onnx;
using Toolchain.Runtime;
using Toolchain.Torch;

namespace Toolchain.Cli;

/// <summary>
/// Maps failures to messages and exit codes: bad input (missing/corrupt files, unknown names, impossible
/// settings) is the user's to fix and exits <see cref="ExitCodes.BadInput"/>; anything else is a bug.
/// </summary>
public static class CliErrors
{
    public static int Guard(IConsoleUi ui, Func<IConsoleUi, int> command)
    {
        try
        {
            return command(ui);
        }
        catch (OperationCanceledException)
        {
            ui.Error("interrupted; the checkpoint of the last finished epoch is intact (continue with --resume)");
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

    private static bool IsBadInput(Exception e) => e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException or FormatException
        or ArgumentException or TorchException or TorchNativeLibraryException or UnauthorizedAccessException or IOException
        or OnnxImportException or OnnxExportException or OnnxRuntimeException or NotSupportedException or Pipeline.PipelineConfigException;
}
