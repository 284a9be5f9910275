using System.CommandLine;

namespace Toolchain.Cli;

/// <summary>Options several commands share, defined once so they read and behave the same everywhere.</summary>
public static class CommandOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Machine-readable output: one JSON object per line on stdout" };

    private const string DataDescription = "Data: 'shapes10' (built-in synthetic), 'fashion-mnist' (Debian's dataset-fashion-mnist) or 'fashion-mnist:DIR', 'cifar10:DIR', 'cifar100:DIR' or a CIFAR binary directory";

    /// <summary>--data that falls back to <paramref name="defaultValue"/>.</summary>
    public static Option<string> Data(string defaultValue) => new("--data") { Description = DataDescription, DefaultValueFactory = _ => defaultValue };

    public static Option<bool> FoldBatchNorm() => new("--fold-bn") { Description = "Fold BatchNorm into the preceding convolution (inference export)" };

    public static Option<bool> NoVerify() => new("--no-verify") { Description = "Skip the ONNX Runtime parity check of the written .onnx" };

    /// <summary>--input-shape for ONNX files whose spatial size is dynamic.</summary>
    public static Option<string?> InputShape() => new("--input-shape")
    {
        Description = "Input shape N×C×H×W (e.g. 1x3x224x224) for ONNX files whose sizes are dynamic",
    };

    /// <summary>Parses "1x3x224x224" (or with commas / ×); null stays null.</summary>
    public static long[]? ParseShape(string? text) => Pipeline.InputShapes.Parse(text);

    /// <summary>--data without a default (null when not given).</summary>
    public static Option<string?> OptionalData() => new("--data") { Description = DataDescription };
}
