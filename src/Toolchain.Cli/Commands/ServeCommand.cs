using System.CommandLine;
using Microsoft.Extensions.Logging;
using Toolchain.Agent;
using Toolchain.Agent.Security;
using Toolchain.Cli.Ui;

namespace Toolchain.Cli.Commands;

/// <summary>
/// <c>toolchain serve --token-file F [--urls …]</c>: runs this machine's device agent (<see cref="AgentHost"/>) until SIGINT or
/// SIGTERM — then the running job is cancelled at its next safe point, waiting jobs are answered as cancelled, and it exits 0
/// (stopping is how a server ends). <c>--new-token</c> writes a fresh token file (mode 0600) and exits.
/// </summary>
public sealed class ServeCommand(UiFactory uiFactory) : ICliCommand
{
    public Command Build()
    {
        var defaults = new AgentOptions { Token = "" };
        var urls = new Option<string>("--urls") { Description = $"Addresses to listen on, ';'-separated (default {AgentOptions.DefaultUrl}: this machine only; http://0.0.0.0:5117 for the network, https:// with a certificate in Kestrel's configuration)", DefaultValueFactory = _ => AgentOptions.DefaultUrl };
        var tokenFile = new Option<string>("--token-file") { Description = "The file with the token every request must carry (Authorization: Bearer); --new-token writes one", Required = true };
        var newToken = new Option<bool>("--new-token") { Description = "Write a new random token to --token-file (mode 0600) and exit" };
        var maxUpload = new Option<int>("--max-upload-mb") { Description = "Largest model upload accepted, in MB", DefaultValueFactory = _ => (int)(defaults.MaxUploadBytes >> 20) };
        var queueSize = new Option<int>("--queue-size") { Description = "Jobs that may wait behind the running one (more are answered 503)", DefaultValueFactory = _ => defaults.QueueSize };
        var jobTimeout = new Option<double>("--job-timeout") { Description = "Seconds a job may run before it is stopped and reported failed", DefaultValueFactory = _ => defaults.JobTimeout.TotalSeconds };
        var json = CommandOptions.Json();
        var command = new Command("serve", "Run the device agent: measure models sent by 'toolchain bench --device' on this machine, one job at a time")
        {
            urls, tokenFile, newToken, maxUpload, queueSize, jobTimeout, json,
        };
        command.SetAction((parse, cancellation) => Task.FromResult(CliErrors.Guard(uiFactory.Create(parse.GetValue(json)), cancellation,
            () => "nothing was written",
            ui => parse.GetValue(newToken)
                ? NewToken(ui, parse.GetValue(tokenFile)!)
                : Serve(ui, parse.GetValue(tokenFile)!, parse.GetValue(urls)!, parse.GetValue(maxUpload), parse.GetValue(queueSize), parse.GetValue(jobTimeout), cancellation))));
        return command;
    }

    private static int NewToken(IConsoleUi ui, string path)
    {
        AccessToken.CreateFile(path);
        ui.Info($"wrote a new token to {path} (mode 0600); copy it to the clients that may use this agent (toolchain bench --device URL --token-file FILE)");
        ui.Json(new { type = "token", path = Path.GetFullPath(path) });
        return ExitCodes.Success;
    }

    private static int Serve(IConsoleUi ui, string tokenFile, string urls, int maxUploadMb, int queueSize, double jobTimeoutSeconds, CancellationToken stopping)
    {
        if (maxUploadMb < 1) throw new ArgumentException($"--max-upload-mb must be at least 1 (got {maxUploadMb})");
        if (!(jobTimeoutSeconds > 0 && jobTimeoutSeconds <= TimeSpan.MaxValue.TotalSeconds / 2)) throw new ArgumentException($"--job-timeout must be a positive number of seconds (got {jobTimeoutSeconds})");
        var token = AccessToken.ReadFile(tokenFile);
        if (AccessToken.ReadableByOthers(tokenFile)) CliErrors.Notice(ui, $"token file '{tokenFile}' can be read by other users of this machine; chmod 600 it");
        var options = new AgentOptions
        {
            Urls = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Token = token,
            MaxUploadBytes = (long)maxUploadMb << 20,
            QueueSize = queueSize,
            JobTimeout = TimeSpan.FromSeconds(jobTimeoutSeconds),
        };

        // The agent's log (jobs queued, started, finished; warnings) goes to standard error, one line each, in UTC.
        var agent = AgentHost.Create(options, logging => logging
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ssZ ";
            })
            .AddFilter("Toolchain", LogLevel.Information));
        try
        {
            agent.StartAsync(stopping).GetAwaiter().GetResult();
            var addresses = agent.Addresses.Select(a => a.ToString().TrimEnd('/')).ToArray();
            ui.Info($"device agent listening on {string.Join(", ", addresses)} (toolchain {ToolVersion.Current}; uploads up to {maxUploadMb} MB, " +
                    $"{queueSize} waiting jobs at most, job timeout {jobTimeoutSeconds:0.#} s); stop it with Ctrl-C or SIGTERM");
            ui.Json(new { type = "listening", urls = addresses, toolVersion = ToolVersion.Current });
            stopping.WaitHandle.WaitOne();
            ui.Info("stopping: the running job is cancelled at its next safe point, waiting jobs are answered as cancelled");
            agent.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
            return ExitCodes.Success;
        }
        finally
        {
            agent.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
