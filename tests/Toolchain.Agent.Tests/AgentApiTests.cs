using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Toolchain.Agent.Api;
using Toolchain.Agent.Client;
using Toolchain.Profiling;
using Toolchain.Runtime;

namespace Toolchain.Agent.Tests;

/// <summary>The agent's API over real loopback HTTP: the token on every route, the device's description, unknown jobs, the API document.</summary>
public sealed class AgentApiTests
{
    /// <summary>Every route, and one that does not exist: none may answer or act without the token.</summary>
    private static IEnumerable<HttpRequestMessage> EveryRoute() =>
    [
        new(HttpMethod.Get, "v1/device"),
        new(HttpMethod.Post, "v1/jobs/bench?iterations=1") { Content = new ByteArrayContent(TestAgent.Resnet20) },
        new(HttpMethod.Get, "v1/jobs/0123456789abcdef"),
        new(HttpMethod.Delete, "v1/jobs/0123456789abcdef"),
        new(HttpMethod.Get, "v1/openapi.json"),
        new(HttpMethod.Post, "v1/jobs/profile") { Content = new MultipartFormDataContent { { new ByteArrayContent(TestAgent.Resnet20), "model", "m.onnx" } } },
        new(HttpMethod.Post, "v1/jobs/validate") { Content = new MultipartFormDataContent { { new ByteArrayContent(TestAgent.Resnet20), "model", "m.onnx" } } },
        new(HttpMethod.Post, "v1/jobs/recalibrate") { Content = new MultipartFormDataContent { { new ByteArrayContent(TestAgent.Resnet20), "model", "m.onnx" } } },
        new(HttpMethod.Get, "v1/no-such-route"),
    ];

    [Fact]
    public async Task EveryRoute_WithoutOrWithAWrongToken_Answers401_AndRunsNothing()
    {
        await using var agent = await TestAgent.StartAsync();
        var wrong = agent.Token[..^1] + (agent.Token[^1] == 'a' ? 'b' : 'a'); // one character off: same length, constant-time compare must still refuse
        foreach (var token in new[] { null, wrong, "Bearer-less" })
        {
            using var http = agent.Http(token);
            foreach (var request in EveryRoute())
            {
                using var response = await http.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{request.Method} {request.RequestUri} with token '{token}': {(int)response.StatusCode}");
                Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
                var error = await response.Content.ReadFromJsonAsync<ApiError>(AgentJson.Options);
                Assert.Equal(ApiError.Unauthorized, error!.Kind);
            }
        }

        // A scheme other than Bearer carrying the right token is refused too.
        using (var basic = agent.Http(null))
        {
            basic.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", agent.Token);
            Assert.Equal(HttpStatusCode.Unauthorized, (await basic.GetAsync("v1/device")).StatusCode);
        }

        Assert.Empty(agent.Host.Jobs.History);
        Assert.Equal(new QueueInfo(null, 0), agent.Host.Jobs.Now());
        Assert.Empty(Directory.EnumerateFileSystemEntries(agent.Host.Services.GetRequiredService<Uploads.UploadFolder>().Root));

        using var client = agent.Client(wrong);
        var refused = await Assert.ThrowsAsync<AgentException>(() => client.DeviceAsync());
        Assert.Equal(AgentFailure.Unauthorized, refused.Failure);
        Assert.Contains("refused the token", refused.Message);
    }

    [Fact]
    public async Task Device_DescribesTheMachineAsTheProfilerDoes_WithTheToolVersionAndEveryEngine()
    {
        await using var agent = await TestAgent.StartAsync();
        using var client = agent.Client();
        var device = await client.ConnectAsync();

        var here = DeviceFingerprint.Current(Engines.OrtCpu, Environment.ProcessorCount, batch: 1);
        Assert.Equal(here with { Date = device.Fingerprint.Date }, device.Fingerprint);
        Assert.Equal("v1", device.Api);
        Assert.Equal(ToolVersion.Current, device.ToolVersion);
        Assert.Equal(Engines.All.Select(e => e.Name), device.Engines.Select(e => e.Name));
        foreach (var engine in device.Engines)
        {
            var id = Engines.Find(engine.Name);
            Assert.Equal(id.WhyUnavailable(), engine.Reason);
            Assert.Equal(engine.Reason is null, engine.Available);
            Assert.Equal(id.Version, engine.Version);
        }

        Assert.True(device.Engines.Single(e => e.Name == Engines.OrtCpu.Name).Available);
        Assert.Equal(new AgentLimits(256L << 20, 16, 1800), device.Limits);
    }

    [Fact]
    public async Task UnknownJob_GetAndDelete_Answer404()
    {
        await using var agent = await TestAgent.StartAsync();
        using var http = agent.Http(agent.Token);
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Delete })
        {
            using var response = await http.SendAsync(new HttpRequestMessage(method, "v1/jobs/nosuchjob"));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var error = await response.Content.ReadFromJsonAsync<ApiError>(AgentJson.Options);
            Assert.Equal(ApiError.NotFound, error!.Kind);
            Assert.Contains("nosuchjob", error.Message);
        }

        using var client = agent.Client();
        Assert.Equal(AgentFailure.Refused, (await Assert.ThrowsAsync<AgentException>(() => client.JobAsync("nosuchjob"))).Failure);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesEveryRouteTheAgentMaps()
    {
        await using var agent = await TestAgent.StartAsync();
        using var http = agent.Http(agent.Token);
        using var document = JsonDocument.Parse(await http.GetStringAsync("v1/openapi.json"));
        Assert.StartsWith("3.", document.RootElement.GetProperty("openapi").GetString());
        var paths = document.RootElement.GetProperty("paths");

        var routes = agent.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.Equal(8, routes.Count); // device, bench, profile, validate, recalibrate, job GET and DELETE, openapi.json
        foreach (var route in routes)
        {
            var pattern = "/" + route.RoutePattern.RawText!.TrimStart('/');
            Assert.True(paths.TryGetProperty(pattern, out var path), $"openapi.json lacks {pattern}");
            foreach (var method in route.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods)
            {
                Assert.True(path.TryGetProperty(method.ToLowerInvariant(), out _), $"openapi.json lacks {method} {pattern}");
            }
        }
    }
}
