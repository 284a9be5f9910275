using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Toolchain.Agent.Api;
using Toolchain.Agent.Client;
using Toolchain.Agent.Security;

namespace Toolchain.Agent.Tests;

/// <summary>What the client says when the agent is not there, refuses it, or runs another version.</summary>
public sealed class AgentClientTests
{
    [Fact]
    public async Task UnreachableAgent_FailsAfterItsRetries_NamingTheAddressAndWhatToCheck()
    {
        // A port that was free a moment ago and has nobody listening: connection refused.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        using var client = new AgentClient(new Uri($"http://127.0.0.1:{port}"), AccessToken.New(),
            new AgentClientOptions { Retries = 2, FirstBackoff = TimeSpan.FromMilliseconds(20) });
        var failure = await Assert.ThrowsAsync<AgentException>(() => client.DeviceAsync());
        Assert.Equal(AgentFailure.Unreachable, failure.Failure);
        Assert.Contains($"127.0.0.1:{port}", failure.Message);
        Assert.Contains("after 3 attempt(s)", failure.Message);
        Assert.Contains("toolchain serve", failure.Message);
        Assert.True(failure.IsBadInput);
    }

    /// <summary>
    /// An agent of another version, as a build machine meets one after updating only itself: a real HTTP server answering
    /// /v1/device as such an agent would.
    /// </summary>
    [Fact]
    public async Task AgentOfAnotherVersion_IsRefusedOnConnect_NamingBothVersions()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var other = builder.Build();
        var device = new DeviceInfo
        {
            Api = "v1", ToolVersion = "0.9.0+older", Host = "edge-01", Fingerprint = Profiling.DeviceFingerprint.Current(Runtime.Engines.OrtCpu, 2, 1),
            Engines = [], Limits = new AgentLimits(1, 1, 1), Queue = new QueueInfo(null, 0),
        };
        other.MapGet("/v1/device", () => Results.Json(device, AgentJson.Options));
        await other.StartAsync();

        using var client = new AgentClient(new Uri(other.Urls.Single()), AccessToken.New());
        var refused = await Assert.ThrowsAsync<AgentException>(() => client.ConnectAsync());
        Assert.Equal(AgentFailure.VersionMismatch, refused.Failure);
        Assert.Contains("0.9.0+older", refused.Message);
        Assert.Contains(ToolVersion.Current, refused.Message);
        await other.StopAsync();
    }

    [Fact]
    public void Client_RefusesAShortTokenOrANonHttpAddress_BeforeSendingAnything()
    {
        Assert.Contains("at least 16", Assert.Throws<ArgumentException>(() => new AgentClient(new Uri("http://127.0.0.1:5117"), "short")).Message);
        Assert.Contains("http://", Assert.Throws<ArgumentException>(() => new AgentClient(new Uri("ftp://edge-01"), AccessToken.New())).Message);
    }
}
