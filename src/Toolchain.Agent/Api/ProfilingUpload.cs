using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Toolchain.Agent.Jobs;
using Toolchain.Agent.Uploads;
using Toolchain.Pipeline;
using Toolchain.Profiling;

namespace Toolchain.Agent.Api;

/// <summary>
/// POST /v1/jobs/profile, /v1/jobs/validate and /v1/jobs/recalibrate: a multipart form with the model(s) (<c>model</c> file
/// parts: a graph file or checkpoint, <c>.safetensors</c>, or an <c>.onnx</c> file; several for a profile), a latency profile
/// (<c>profile</c>: the profile to extend, or the one to validate or recalibrate against) and the settings (<c>settings</c>,
/// <see cref="ProfilingSettings"/> as JSON). The job runs the same workflow a local command runs — <see cref="ProfileJob"/>,
/// <see cref="PredictJob.Measure"/>, <see cref="LatencyProfiles.Recalibrate"/> — on this device. Refused before queueing, as a
/// bench upload is: a full queue (503), too large (413), impossible settings, an engine this device lacks, a model the loader
/// refuses or a profile that is not one (400).
/// </summary>
internal static class ProfilingUpload
{
    private static readonly string[] ModelExtensions = [".safetensors", ".onnx"];

    public static async Task<IResult> SubmitAsync(string kind, HttpContext context, AgentOptions options, UploadFolder folder, JobQueue queue, DeviceProbe device)
    {
        var request = context.Request;
        if (queue.WhyNoRoom() is { } busy) return BenchUpload.Busy(context, busy);
        if (request.ContentLength is { } length && length > options.MaxUploadBytes + BenchUpload.FormOverhead)
        {
            context.Response.Headers.Connection = "close";
            return BenchUpload.TooLarge(options, length);
        }

        if (request.Query.Count > 0) return BenchUpload.Error(StatusCodes.Status400BadRequest, ApiError.BadRequest, $"/v1/jobs/{kind} takes its settings in the form's 'settings' part, not in the query");
        if (request.ContentType is not { } type || !type.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return BenchUpload.Error(StatusCodes.Status400BadRequest, ApiError.BadRequest, $"/v1/jobs/{kind} takes a multipart form: 'model' file part(s), a 'profile' part and a 'settings' JSON part");
        }

        var upload = folder.Reserve(null);
        var queued = false;
        try
        {
            Form form;
            try
            {
                form = await ReadFormAsync(request, upload, options.MaxUploadBytes, context.RequestAborted);
                form.Settings.Validate();
                if (device.WhyNot(form.Settings.Engine) is { } why) throw new ArgumentException(why);
                if (form.Models.Count == 0) throw new InvalidDataException("the form has no 'model' part");
                if (kind != JobKinds.Profile && form.Models.Count > 1) throw new InvalidDataException($"a {kind} job measures one model; the form has {form.Models.Count} 'model' parts");
                if (kind != JobKinds.Profile && form.Profile is null) throw new InvalidDataException($"a {kind} job needs the latency profile to compare with: the form's 'profile' part");
            }
            catch (BenchUpload.UploadTooLargeException)
            {
                return BenchUpload.TooLarge(options, null);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return BenchUpload.TooLarge(options, null);
            }
            catch (Exception e) when (e is ArgumentException or JsonException or InvalidDataException or IOException)
            {
                return BenchUpload.Error(StatusCodes.Status400BadRequest, ApiError.BadRequest, upload.Redact(e.Message));
            }

            // The loaders check what arrived before it waits in the queue: a file that is not a model or profile costs no one a turn.
            try
            {
                foreach (var model in form.Models) ModelResolver.Open(model).Dispose();
                if (form.Profile is { } profile) _ = LatencyProfile.Load(profile);
            }
            catch (Exception e) when (Failures.IsBadInput(e))
            {
                return BenchUpload.Error(StatusCodes.Status400BadRequest, ApiError.BadInput, upload.Redact(e.Message));
            }

            var name = string.Join(", ", form.Models.Select(Path.GetFileNameWithoutExtension));
            var settings = form.Settings;
            var work = Work(kind, form, upload);
            try
            {
                var view = queue.Enqueue((id, created) => new AgentJob(id, kind, name!, settings.Engine, upload, created, work, settings));
                queued = true;
                context.Response.Headers.Location = $"/v1/jobs/{view.Id}";
                return Results.Json(view, AgentJson.Options, statusCode: StatusCodes.Status202Accepted);
            }
            catch (QueueFullException e)
            {
                return BenchUpload.Busy(context, e.Message);
            }
        }
        finally
        {
            if (!queued) upload.Dispose();
        }
    }

    /// <summary>The job's measurement: the workflow the local command runs, on the uploaded files.</summary>
    private static Func<IProfileObserver, CancellationToken, JobOutput> Work(string kind, Form form, UploadedModel upload)
    {
        var s = form.Settings;
        switch (kind)
        {
            case JobKinds.Profile:
                return (observer, cancellation) =>
                {
                    // The profile to extend (if any) is where the job writes: ProfileJob extends it as it extends a local file.
                    var output = form.Profile ?? upload.PathOf("profile.json");
                    var result = ProfileJob.Run(new ProfileRequest
                    {
                        Models = form.Models, Engine = s.Engine, Batch = s.Batch, Threads = s.Threads, Output = output, Options = s.ToProfilerOptions(), Replace = form.Profile is null,
                    }, observer, cancellation);
                    using var json = JsonDocument.Parse(File.ReadAllText(output));
                    return new JobOutput { Profile = json.RootElement.Clone(), Profiled = result.Models, Fingerprint = result.Profile.Device };
                };
            case JobKinds.Validate:
                return (observer, cancellation) =>
                {
                    var engine = ProfileEngines.Create(s.Engine, s.Threads);
                    var request = new PredictRequest
                    {
                        Model = form.Models[0], Engine = s.Engine, Batch = s.Batch, Threads = s.Threads, Validate = true, Samples = s.Samples, Seed = s.Seed,
                        MeasureSeconds = s.MeasureSeconds, RecalibrationSamples = s.RecalibrationSamples,
                    };
                    var report = PredictJob.Measure(form.Models[0], LatencyProfile.Load(form.Profile!), engine, request, observer, cancellation);
                    return new JobOutput { Validation = report, Fingerprint = engine.Fingerprint(s.Batch) };
                };
            case JobKinds.Recalibrate:
                return (observer, cancellation) =>
                {
                    var calibration = LatencyProfiles.Recalibrate(s.Engine, s.Batch, LatencyProfile.Load(form.Profile!), () => ModelResolver.Open(form.Models[0]), observer, cancellation);
                    return new JobOutput { Calibration = calibration, Fingerprint = LatencyProfiles.Here(s.Engine, 0, s.Batch) };
                };
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a profiling job");
        }
    }

    private sealed record Form(List<string> Models, string? Profile, ProfilingSettings Settings);

    private static async Task<Form> ReadFormAsync(HttpRequest request, UploadedModel upload, long limit, CancellationToken cancellation)
    {
        var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value;
        if (string.IsNullOrEmpty(boundary)) throw new InvalidDataException("the multipart body has no boundary");
        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 << 10 };
        var models = new List<string>();
        string? profile = null;
        ProfilingSettings? settings = null;
        long total = 0;
        while (await reader.ReadNextSectionAsync(cancellation) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) throw new InvalidDataException("a form part has no Content-Disposition");
            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
            switch (name)
            {
                case "model":
                    var fileName = UploadFolder.SafeName(HeaderUtilities.RemoveQuotes(disposition.FileName).Value ?? $"model{models.Count + 1}", ModelExtensions);
                    // Each model keeps the name the user gave it (the loader's messages name it); a second one of that name gets a folder of its own.
                    var path = upload.PathOf(fileName);
                    if (File.Exists(path))
                    {
                        var sub = upload.PathOf($"{models.Count + 1}");
                        Directory.CreateDirectory(sub);
                        path = Path.Combine(sub, fileName);
                    }

                    await using (var file = UploadedModel.Create(path)) total += await BenchUpload.CopyAsync(section.Body, file, limit - total, cancellation);
                    if (new FileInfo(path).Length == 0) throw new InvalidDataException($"the model part '{fileName}' is empty");
                    models.Add(path);
                    break;
                case "profile" when profile is null:
                    profile = upload.PathOf("profile.json");
                    await using (var file = UploadedModel.Create(profile)) total += await BenchUpload.CopyAsync(section.Body, file, limit - total, cancellation);
                    break;
                case "settings" when settings is null:
                    settings = await BenchUpload.ReadSettingsAsync<ProfilingSettings>(section.Body, cancellation);
                    break;
                default:
                    throw new InvalidDataException($"unexpected form part '{name}' (expected 'model', 'profile' at most once and 'settings' at most once)");
            }
        }

        return new Form(models, profile, settings ?? new ProfilingSettings());
    }
}
