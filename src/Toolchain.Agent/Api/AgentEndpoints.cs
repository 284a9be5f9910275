using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Toolchain.Agent.Jobs;
using Toolchain.Agent.Uploads;

namespace Toolchain.Agent.Api;

/// <summary>
/// The versioned JSON API. Every route sits under /v1 so that a later, incompatible API can live beside it; the token check
/// (<see cref="Security.BearerTokenMiddleware"/>) runs before any of them.
/// </summary>
public static class AgentEndpoints
{
    public const string Version = "v1";

    public static void Map(IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/" + Version);
        v1.MapGet("/device", (AgentOptions options, JobQueue queue, DeviceProbe device) => Results.Json(new DeviceInfo
        {
            Api = Version,
            ToolVersion = ToolVersion.Current,
            Host = Environment.MachineName,
            Fingerprint = device.Fingerprint,
            Gpu = device.Gpu,
            GpuDriver = device.GpuDriver,
            Engines = device.Engines,
            Limits = new AgentLimits(options.MaxUploadBytes, options.QueueSize, options.JobTimeout.TotalSeconds),
            Queue = queue.Now(),
        }, AgentJson.Options));
        v1.MapPost("/jobs/bench", (HttpContext context, AgentOptions options, UploadFolder folder, JobQueue queue, DeviceProbe device) =>
            BenchUpload.SubmitAsync(context, options, folder, queue, device));
        foreach (var kind in new[] { JobKinds.Profile, JobKinds.Validate, JobKinds.Recalibrate })
        {
            v1.MapPost($"/jobs/{kind}", (HttpContext context, AgentOptions options, UploadFolder folder, JobQueue queue, DeviceProbe device) =>
                ProfilingUpload.SubmitAsync(kind, context, options, folder, queue, device));
        }

        v1.MapGet("/jobs/{id}", (string id, JobQueue queue) => queue.Find(id) is { } view ? Results.Json(view, AgentJson.Options) : UnknownJob(id));
        v1.MapDelete("/jobs/{id}", (string id, JobQueue queue) => queue.Cancel(id) is { } view ? Results.Json(view, AgentJson.Options) : UnknownJob(id));
        v1.MapGet("/openapi.json", () => Results.Text(OpenApiDocument.Json, "application/json"));
    }

    private static IResult UnknownJob(string id) =>
        BenchUpload.Error(StatusCodes.Status404NotFound, ApiError.NotFound, $"no job '{id}' on this agent (finished jobs are kept for a while, then forgotten; an agent that restarted forgets them all)");
}
