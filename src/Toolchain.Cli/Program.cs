using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;
using Toolchain.Cli;
using Toolchain.Cli.Commands;
using Toolchain.Cli.Ui;

// The generic host provides configuration, DI and the process's lifetime; System.CommandLine parses; each subcommand is a service.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, DisableDefaults = true });
builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
builder.Services.AddSingleton(AnsiConsole.Console);
builder.Services.AddSingleton<UiFactory>();
builder.Services.AddSingleton<ICliCommand, TrainCommand>();
builder.Services.AddSingleton<ICliCommand, EvalCommand>();
builder.Services.AddSingleton<ICliCommand, InspectCommand>();
builder.Services.AddSingleton<ICliCommand, ExportCommand>();
builder.Services.AddSingleton<ICliCommand, InferCommand>();
builder.Services.AddSingleton<ICliCommand, BenchCommand>();
builder.Services.AddSingleton<ICliCommand, PruneCommand>();
builder.Services.AddSingleton<ICliCommand, ProfileCommand>();
builder.Services.AddSingleton<ICliCommand, PredictCommand>();
builder.Services.AddSingleton<ICliCommand, RunCommand>();
builder.Services.AddSingleton<ICliCommand, ServeCommand>();
using var host = builder.Build();

var root = new RootCommand(
    "toolchain — hardware-aware pruning and deployment of convolutional networks.\n" +
    $"Exit codes: {ExitCodes.Success} success, {ExitCodes.InternalError} internal error, {ExitCodes.Usage} usage error, " +
    $"{ExitCodes.BadInput} bad input, {ExitCodes.GateFailed} a gate of 'toolchain run' failed, {ExitCodes.Cancelled} interrupted.");
foreach (var command in host.Services.GetServices<ICliCommand>()) root.Subcommands.Add(command.Build());

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors) Console.Error.WriteLine($"error: {error.Message}");
    Console.Error.WriteLine("Run 'toolchain --help' for usage.");
    return ExitCodes.Usage;
}

// The host's console lifetime turns SIGINT (Ctrl-C), SIGTERM and SIGQUIT into ApplicationStopping instead of ending the
// process: every long command gets that token, stops at its next safe point (an atomic write always finishes), keeps
// its checkpoint and exits 130. System.CommandLine's own handler is off (ProcessTerminationTimeout = null): it would
// end the process with 143 two seconds after SIGTERM, whatever the command was writing.
await host.StartAsync();
var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
var exitCode = await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, stopping);
await host.StopAsync();
return exitCode;
