using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Toolchain.Agent.Jobs;
using Toolchain.Agent.Uploads;
using Toolchain.Onnx;

namespace Toolchain.Agent.Api;

/// <summary>
/// POST /v1/jobs/bench: the model as the raw body (settings in the query) or as a multipart form (a <c>model</c> file part,
/// an optional <c>settings</c> JSON part — query parameters override it — and an optional <c>input</c> part, a float32
/// .npy tensor the job runs the model on once for a parity check). Everything that can be refused is refused before the
/// job is queued, most of it before the upload is read: a full queue (503), an oversize body (413), impossible settings or
/// an engine this device lacks (400), then a file that is not ONNX (400, with the loader's message) and a parity input
/// that does not fit the model's input (400, naming the input and the shape it takes).
/// </summary>
internal static class BenchUpload
{
    /// <summary>Room for a multipart form's boundaries, headers and settings part beyond the model itself.</summary>
    public const long FormOverhead = 1 << 20;

    public static async Task<IResult> SubmitAsync(HttpContext context, AgentOptions options, UploadFolder folder, JobQueue queue, DeviceProbe device)
    {
        var request = context.Request;
        var cancellation = context.RequestAborted;
        if (queue.WhyNoRoom() is { } busy) return Busy(context, busy);
        var multipart = request.ContentType is { } type && type.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase);
        if (request.ContentLength is { } length && length > options.MaxUploadBytes + (multipart ? FormOverhead : 0))
        {
            // Refused on its declared length, before any of it is read: close rather than drain what may be gigabytes.
            context.Response.Headers.Connection = "close";
            return TooLarge(options, length);
        }

        BenchSettings settings;
        try
        {
            settings = BenchSettings.FromQuery(request.Query, new BenchSettings());
            // Query-only settings are checked before a byte of the model is read; a form's settings part once it has arrived.
            if (!multipart) Check(settings, options, device);
        }
        catch (ArgumentException e)
        {
            return Error(StatusCodes.Status400BadRequest, ApiError.BadRequest, e.Message);
        }

        var upload = folder.Reserve(multipart ? null : settings.Name);
        var queued = false;
        try
        {
            long size;
            byte[]? parityInput = null;
            try
            {
                if (multipart)
                {
                    (settings, upload, size, parityInput) = await ReadFormAsync(request, settings, upload, folder, options.MaxUploadBytes, cancellation);
                    Check(settings, options, device);
                }
                else
                {
                    await using var file = upload.Create();
                    size = await CopyAsync(request.Body, file, options.MaxUploadBytes, cancellation);
                }
            }
            catch (UploadTooLargeException)
            {
                return TooLarge(options, null);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return TooLarge(options, null); // Kestrel's own limit, for a body without Content-Length
            }
            catch (Exception e) when (e is ArgumentException or JsonException or InvalidDataException or IOException)
            {
                return Error(StatusCodes.Status400BadRequest, ApiError.BadRequest, e.Message);
            }

            if (size == 0) return Error(StatusCodes.Status400BadRequest, ApiError.BadRequest, "the upload is empty: send the .onnx model as the request body or as the form's 'model' part");
            IReadOnlyList<OnnxGraphInput> inputs;
            try
            {
                inputs = OnnxImporter.CheckReadable(upload.Path, upload.FileName);
            }
            catch (OnnxImportException e)
            {
                return Error(StatusCodes.Status400BadRequest, ApiError.BadInput, e.Message);
            }

            var benchRequest = settings.ToRequest(upload.Path, settings.Name ?? upload.FileName);
            try
            {
                // What the job would only find once it ran (several inputs, sizes the settings leave open) is refused now.
                BenchInput.Resolve(inputs, benchRequest, upload.FileName);
                if (parityInput is not null) benchRequest = benchRequest with { ParityInput = BenchInput.Read(parityInput, inputs, benchRequest, upload.FileName) };
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException)
            {
                return Error(StatusCodes.Status400BadRequest, ApiError.BadInput, e.Message);
            }

            try
            {
                var view = queue.Enqueue(settings, benchRequest, upload);
                queued = true;
                context.Response.Headers.Location = $"/v1/jobs/{view.Id}";
                return Results.Json(view, AgentJson.Options, statusCode: StatusCodes.Status202Accepted);
            }
            catch (QueueFullException e)
            {
                return Busy(context, e.Message);
            }
        }
        finally
        {
            if (!queued) upload.Dispose(); // a refused upload leaves nothing behind; a queued one is the job's to delete
        }
    }

    /// <summary>The settings as the job will run them, checked without running anything.</summary>
    private static void Check(BenchSettings settings, AgentOptions options, DeviceProbe device)
    {
        settings.ToRequest("model.onnx", "model").Validate();
        if (device.WhyNot(settings.Engine) is { } why) throw new ArgumentException(why);
        if (settings.Duration is { } seconds && seconds >= options.JobTimeout.TotalSeconds)
        {
            throw new ArgumentException($"duration={seconds} s does not fit in this agent's job timeout of {options.JobTimeout.TotalSeconds:0.#} s (toolchain serve --job-timeout)");
        }
    }

    /// <summary>The form's parts: settings, the model (written to <paramref name="upload"/>) and the parity input's bytes, all within <paramref name="limit"/> together.</summary>
    private static async Task<(BenchSettings, UploadedModel, long, byte[]?)> ReadFormAsync(HttpRequest request, BenchSettings query, UploadedModel upload, UploadFolder folder,
        long limit, CancellationToken cancellation)
    {
        var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value;
        if (string.IsNullOrEmpty(boundary)) throw new InvalidDataException("the multipart body has no boundary");
        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 << 10 };
        BenchSettings? fromJson = null;
        long? size = null;
        byte[]? input = null;
        while (await reader.ReadNextSectionAsync(cancellation) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) throw new InvalidDataException("a form part has no Content-Disposition");
            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
            switch (name)
            {
                case "model" when size is null:
                    var fileName = HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                    if (!string.IsNullOrEmpty(fileName) && UploadFolder.SafeName(fileName) != upload.FileName)
                    {
                        // The file keeps the name the user gave it: the loader's messages will name it.
                        upload.Dispose();
                        upload = folder.Reserve(fileName);
                    }

                    await using (var file = upload.Create()) size = await CopyAsync(section.Body, file, limit - (input?.Length ?? 0), cancellation);
                    break;
                case "input" when input is null:
                    using (var buffer = new MemoryStream())
                    {
                        await CopyAsync(section.Body, buffer, limit - (size ?? 0), cancellation);
                        input = buffer.ToArray();
                    }

                    break;
                case "settings" when fromJson is null:
                    fromJson = await ReadSettingsAsync<BenchSettings>(section.Body, cancellation);
                    break;
                default:
                    throw new InvalidDataException($"unexpected form part '{name}' (expected 'model' once, 'settings' and 'input' at most once)");
            }
        }

        if (size is null) throw new InvalidDataException("the form has no 'model' part with the .onnx file");
        // Query parameters override the JSON part, as on the command line an option given twice takes the last.
        var settings = BenchSettings.FromQuery(request.Query, fromJson ?? query);
        return (settings, upload, size.Value, input);
    }

    /// <summary>A form's JSON settings part; a JSON error propagates as the 400 the caller maps it to.</summary>
    internal static async Task<T> ReadSettingsAsync<T>(Stream body, CancellationToken cancellation)
    {
        using var text = new StreamReader(body);
        var json = await text.ReadToEndAsync(cancellation);
        return JsonSerializer.Deserialize<T>(json, AgentJson.Options) ?? throw new InvalidDataException("the settings part is empty");
    }

    internal static async Task<long> CopyAsync(Stream from, Stream to, long limit, CancellationToken cancellation)
    {
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = await from.ReadAsync(buffer, cancellation)) > 0)
        {
            total += read;
            if (total > limit) throw new UploadTooLargeException();
            await to.WriteAsync(buffer.AsMemory(0, read), cancellation);
        }

        return total;
    }

    internal static IResult TooLarge(AgentOptions options, long? length)
    {
        var size = length is { } l ? $"the request is {l:N0} bytes; " : "";
        return Error(StatusCodes.Status413PayloadTooLarge, ApiError.TooLarge,
            $"{size}this agent accepts models of at most {options.MaxUploadBytes:N0} bytes ({options.MaxUploadBytes / (1024.0 * 1024):0.#} MB; toolchain serve --max-upload-mb)");
    }

    internal static IResult Busy(HttpContext context, string message)
    {
        context.Response.Headers.RetryAfter = "10";
        return Error(StatusCodes.Status503ServiceUnavailable, message.Contains("shutting down", StringComparison.Ordinal) ? ApiError.ShuttingDown : ApiError.QueueFull, message);
    }

    public static IResult Error(int status, string kind, string message) => Results.Json(new ApiError(kind, message), AgentJson.Options, statusCode: status);

    internal sealed class UploadTooLargeException : Exception;
}
