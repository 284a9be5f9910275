using System.CommandLine;

namespace Toolchain.Cli.Commands;

/// <summary>A subcommand of <c>toolchain</c>; registered in the host's services and found by the root command.</summary>
public interface ICliCommand
{
    Command Build();
}
