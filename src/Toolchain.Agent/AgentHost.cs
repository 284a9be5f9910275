using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Toolchain.Agent.Api;
using Toolchain.Agent.Jobs;
using Toolchain.Agent.Security;
using Toolchain.Agent.Uploads;

namespace Toolchain.Agent;

/// <summary>
/// A device agent: Kestrel serving the /v1 API (<see cref="AgentEndpoints"/>) behind the bearer token, with the job queue
/// as a hosted service. Its owner starts and stops it — <c>toolchain serve</c> on SIGTERM, a test when it is done — so the
/// agent registers no signal handlers of its own. HTTPS, when wanted, comes from Kestrel's configuration (an https:// URL
/// and <c>Kestrel__Certificates__Default__Path</c>/<c>KeyPath</c> in the environment).
/// </summary>
public sealed class AgentHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AgentHost(WebApplication app, AgentOptions options)
    {
        _app = app;
        Options = options;
    }

    public AgentOptions Options { get; }

    /// <summary>The addresses it listens on once started, with the ports Kestrel chose for port 0.</summary>
    public IReadOnlyList<Uri> Addresses => _app.Urls.Select(u => new Uri(u)).ToArray();

    /// <summary>The job queue (its run history proves one job at a time).</summary>
    public JobQueue Jobs => _app.Services.GetRequiredService<JobQueue>();

    public IServiceProvider Services => _app.Services;

    /// <param name="logging">Where the agent's log goes (none by default: a test host stays quiet).</param>
    /// <exception cref="ArgumentException">An impossible option (<see cref="AgentOptions.Validate"/>).</exception>
    public static AgentHost Create(AgentOptions options, Action<ILoggingBuilder>? logging = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.UseUrls([.. options.Urls]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxUploadBytes + BenchUpload.FormOverhead;
            kestrel.AddServerHeader = false;
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // A failed start (an address in use) reaches the owner as an exception with the reason; the host's own stack-trace dump would only repeat it.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.Critical);
        logging?.Invoke(builder.Logging);
        builder.Services.AddSingleton<IHostLifetime, OwnedLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
        builder.Services.ConfigureHttpJsonOptions(o => AgentJson.Configure(o.SerializerOptions));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<UploadFolder>();
        builder.Services.AddSingleton<DeviceProbe>();
        builder.Services.AddSingleton<JobQueue>();
        builder.Services.AddHostedService(services => services.GetRequiredService<JobQueue>());

        var app = builder.Build();
        app.UseMiddleware<BearerTokenMiddleware>();
        AgentEndpoints.Map(app);
        return new AgentHost(app, options);
    }

    /// <summary>Probes the device (before any job can run) and starts listening.</summary>
    /// <exception cref="IOException">An address is taken or cannot be bound.</exception>
    public async Task StartAsync(CancellationToken cancellation = default)
    {
        _ = _app.Services.GetRequiredService<DeviceProbe>();
        try
        {
            await _app.StartAsync(cancellation);
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            throw new IOException($"{e.Message} Another agent (or another program) listens there: stop it, or choose another port with --urls.", e);
        }

        var logger = _app.Services.GetRequiredService<ILogger<AgentHost>>();
        foreach (var address in Addresses.Where(a => a.Scheme == Uri.UriSchemeHttp && !IsLoopback(a)))
        {
            logger.LogWarning("{Address} is plain HTTP on a non-loopback address: the token and the models cross the network unencrypted; " +
                              "give Kestrel a certificate and an https:// URL, or keep the agent on localhost behind an SSH tunnel", address);
        }
    }

    /// <summary>Stops taking jobs, cancels the running one at its next safe point, answers the waiting ones as cancelled, then stops listening.</summary>
    /// <remarks>
    /// The queue is stopped first, by hand: WebApplication stops its server before the other hosted services, and the API
    /// must stay up while the jobs are cancelled so that their pollers learn it (<see cref="JobQueue.StopAsync"/>).
    /// </remarks>
    public async Task StopAsync(CancellationToken cancellation = default)
    {
        await Jobs.StopAsync(cancellation);
        await _app.StopAsync(cancellation);
    }

    /// <summary>Also removes the upload folder (a singleton of the container it disposes).</summary>
    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static bool IsLoopback(Uri address) =>
        address.IsLoopback || (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>The owner decides when the agent stops; the agent does not listen for SIGTERM itself.</summary>
    private sealed class OwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
