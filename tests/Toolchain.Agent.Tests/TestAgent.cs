using System.Net.Http.Headers;
using Toolchain.Agent.Client;
using Toolchain.Agent.Security;
using Toolchain.Graph;
using Toolchain.Onnx;

namespace Toolchain.Agent.Tests;

/// <summary>
/// A real device agent for one test: Kestrel on 127.0.0.1 at a port the OS picks, a fresh random token, real ONNX Runtime
/// behind it. Clients reach it over loopback HTTP exactly as they would reach another machine.
/// </summary>
internal sealed class TestAgent : IAsyncDisposable
{
    private TestAgent(AgentHost host, string token)
    {
        Host = host;
        Token = token;
        Url = host.Addresses.Single();
    }

    public AgentHost Host { get; }

    public string Token { get; }

    public Uri Url { get; }

    public static async Task<TestAgent> StartAsync(Func<AgentOptions, AgentOptions>? configure = null)
    {
        var token = AccessToken.New();
        var options = new AgentOptions { Urls = ["http://127.0.0.1:0"], Token = token, ShutdownGrace = TimeSpan.FromSeconds(2) };
        var host = AgentHost.Create(configure?.Invoke(options) ?? options);
        await host.StartAsync();
        return new TestAgent(host, token);
    }

    /// <summary>A client that gives up fast: tests want answers, not patience.</summary>
    public AgentClient Client(string? token = null) => new(Url, token ?? Token, new AgentClientOptions
    {
        Retries = 1, FirstBackoff = TimeSpan.FromMilliseconds(50), PollInterval = TimeSpan.FromMilliseconds(50), RequestTimeout = TimeSpan.FromSeconds(60),
    });

    /// <summary>Plain HTTP, for what the client never sends (no token, oversize bodies, forms); <paramref name="token"/> null: none.</summary>
    public HttpClient Http(string? token)
    {
        var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        await Host.DisposeAsync();
    }

    /// <summary>CIFAR ResNet-20 as ONNX, exported the way <c>bench</c> exports a zoo model (BatchNorm folded); made once per run.</summary>
    public static byte[] Resnet20 => LazyResnet20.Value;

    private static readonly Lazy<byte[]> LazyResnet20 = new(() =>
    {
        using var graph = ModelZoo.Create("resnet20");
        return OnnxExporter.Export(graph, new OnnxExportOptions { FoldBatchNorm = true });
    });
}
