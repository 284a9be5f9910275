using System.CommandLine;

namespace Toolchain.Cli;

/// <summary>Options several commands share, defined once so they read and behave the same everywhere.</summary>
public static class CommandOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Machine-readable output: one JSON object per line on stdout" };

    public static Option<string> Data(string? defaultValue = null) => new("--data")
    {
        Description = "Data: 'shapes10' (built-in synthetic), 'cifar10:DIR', 'cifar100:DIR' or a CIFAR binary directory",
        DefaultValueFactory = defaultValue is null ? null! : _ => defaultValue,
    };
}
