using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Toolchain.Agent.Api;
using Toolchain.Agent.Uploads;

namespace Toolchain.Agent.Client;

/// <summary>
/// Talks to a device agent (<c>toolchain serve</c>): the device's description, bench jobs and their state. Connection errors,
/// timeouts and a full queue are retried with exponential back-off; what remains becomes an <see cref="AgentException"/>
/// that says what is wrong — the agent unreachable, the token refused, another toolchain version, the request refused.
/// An upload is only retried when no connection was made, so a job is never queued twice.
/// </summary>
public sealed class AgentClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly AgentClientOptions _options;

    /// <param name="device">The agent's address, e.g. http://edge-01:5117.</param>
    /// <param name="token">The token from the agent's --token-file.</param>
    public AgentClient(Uri device, string token, AgentClientOptions? options = null, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Scheme is not ("http" or "https")) throw new ArgumentException($"--device '{device}' is not an http:// or https:// address (e.g. http://edge-01:5117)");
        Security.AccessToken.Check(token, "the token");
        Device = device;
        _options = options ?? new AgentClientOptions();
        _http = new HttpClient(handler ?? CreateHandler(_options.CaCertificateFile), disposeHandler: true)
        {
            BaseAddress = new Uri(device.GetLeftPart(UriPartial.Authority) + device.AbsolutePath.TrimEnd('/') + "/"),
            Timeout = Timeout.InfiniteTimeSpan, // per attempt instead (RequestTimeout, UploadTimeout)
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("toolchain", Uri.EscapeDataString(ToolVersion.Current)));
    }

    public Uri Device { get; }

    /// <summary>
    /// The client's connection handler: with <paramref name="caFile"/>, a certificate that chains to one of its CAs is
    /// trusted too (the host name must still match); anything the system trusts stays trusted.
    /// </summary>
    private static SocketsHttpHandler CreateHandler(string? caFile)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        if (caFile is null) return handler;
        var authorities = LoadCertificates(caFile);
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (errors == SslPolicyErrors.None) return true;
            if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false; // a name mismatch stays an error
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = new X509Certificate2(certificate);
            return chain.Build(leaf);
        };
        return handler;
    }

    /// <summary>The certificates of a PEM file (one or more) or a DER file.</summary>
    /// <exception cref="ArgumentException">Missing, or holds no certificate.</exception>
    internal static X509Certificate2Collection LoadCertificates(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"--ca-cert '{path}' does not exist", path);
        var collection = new X509Certificate2Collection();
        try
        {
            var text = File.ReadAllText(path);
            if (text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)) collection.ImportFromPem(text);
            else collection.Add(X509CertificateLoader.LoadCertificateFromFile(path));
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"--ca-cert '{path}' holds no readable certificate (PEM or DER): {e.Message}", e);
        }

        if (collection.Count == 0) throw new ArgumentException($"--ca-cert '{path}' holds no certificate");
        return collection;
    }

    /// <summary>GET /v1/device.</summary>
    public Task<DeviceInfo> DeviceAsync(CancellationToken cancellation = default) =>
        SendAsync<DeviceInfo>(() => new HttpRequestMessage(HttpMethod.Get, $"{AgentEndpoints.Version}/device"), idempotent: true, _options.RequestTimeout, cancellation);

    /// <summary>The device, after checking that it runs this toolchain version and API: results are only comparable between equal versions.</summary>
    /// <exception cref="AgentException">Unreachable, token refused, or <see cref="AgentFailure.VersionMismatch"/>.</exception>
    public async Task<DeviceInfo> ConnectAsync(CancellationToken cancellation = default)
    {
        var device = await DeviceAsync(cancellation);
        if (device.Api != AgentEndpoints.Version || device.ToolVersion != ToolVersion.Current)
        {
            throw new AgentException(AgentFailure.VersionMismatch,
                $"the agent at {Device} runs toolchain {device.ToolVersion} (API {device.Api}), this is toolchain {ToolVersion.Current} (API {AgentEndpoints.Version}); " +
                "install the same build on both sides so that their measurements compare (engine versions, export and statistics differ between versions)");
        }

        return device;
    }

    /// <summary>
    /// POST /v1/jobs/bench with the ONNX model <paramref name="onnx"/> as the body; the job as queued (202). With
    /// <paramref name="parityInput"/>, a form with the model and the tensor as a .npy part: the finished job's
    /// <see cref="JobView.Outputs"/> hold the model's outputs on it.
    /// </summary>
    public Task<JobView> SubmitBenchAsync(byte[] onnx, BenchSettings settings, Runtime.HostTensor? parityInput = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentNullException.ThrowIfNull(settings);
        return SendAsync<JobView>(() =>
        {
            HttpContent content = new ByteArrayContent(onnx);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            if (parityInput is not null)
            {
                var input = new ByteArrayContent(Runtime.Npy.Encode(parityInput));
                input.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                content = new MultipartFormDataContent { { content, "model", UploadFolder.SafeName(settings.Name) }, { input, "input", "input.npy" } };
            }

            var request = new HttpRequestMessage(HttpMethod.Post, $"{AgentEndpoints.Version}/jobs/bench?{settings.ToQuery()}") { Content = content };
            // The agent answers 401, 413 or 503 before the body is sent: a refused upload costs no transfer.
            request.Headers.ExpectContinue = true;
            return request;
        }, idempotent: false, _options.UploadTimeout, cancellation);
    }

    /// <summary>
    /// POST /v1/jobs/{kind} (<c>profile</c>, <c>validate</c>, <c>recalibrate</c>): the models as file parts (graph files,
    /// checkpoints or .onnx, under their file names), the profile's text and the settings; the job as queued (202).
    /// </summary>
    public Task<JobView> SubmitProfilingAsync(string kind, IReadOnlyList<(string FileName, byte[] Bytes)> models, string? profileJson, ProfilingSettings settings,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(settings);
        return SendAsync<JobView>(() =>
        {
            var form = new MultipartFormDataContent();
            foreach (var (fileName, bytes) in models)
            {
                var part = new ByteArrayContent(bytes);
                part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                form.Add(part, "model", fileName);
            }

            if (profileJson is not null) form.Add(new StringContent(profileJson, System.Text.Encoding.UTF8, "application/json"), "profile", "profile.json");
            form.Add(new StringContent(JsonSerializer.Serialize(settings, AgentJson.Options), System.Text.Encoding.UTF8, "application/json"), "settings");
            var request = new HttpRequestMessage(HttpMethod.Post, $"{AgentEndpoints.Version}/jobs/{kind}") { Content = form };
            request.Headers.ExpectContinue = true;
            return request;
        }, idempotent: false, _options.UploadTimeout, cancellation);
    }

    /// <summary>GET /v1/jobs/{id}.</summary>
    public Task<JobView> JobAsync(string id, CancellationToken cancellation = default) =>
        SendAsync<JobView>(() => new HttpRequestMessage(HttpMethod.Get, $"{AgentEndpoints.Version}/jobs/{Uri.EscapeDataString(id)}"), idempotent: true, _options.RequestTimeout, cancellation);

    /// <summary>DELETE /v1/jobs/{id}: the job after the request (a running one reports cancelled once it has stopped).</summary>
    public Task<JobView> CancelAsync(string id, CancellationToken cancellation = default) =>
        SendAsync<JobView>(() => new HttpRequestMessage(HttpMethod.Delete, $"{AgentEndpoints.Version}/jobs/{Uri.EscapeDataString(id)}"), idempotent: true, _options.RequestTimeout, cancellation);

    /// <summary>Polls the job until it finishes; <paramref name="onUpdate"/> sees every state it was found in.</summary>
    /// <exception cref="AgentException"><see cref="AgentFailure.JobLost"/> when the agent died, was killed or restarted meanwhile.</exception>
    public async Task<JobView> WaitAsync(string id, Action<JobView>? onUpdate = null, CancellationToken cancellation = default)
    {
        JobView? last = null;
        while (true)
        {
            JobView job;
            try
            {
                job = await JobAsync(id, cancellation);
            }
            catch (AgentException e) when (e.Failure == AgentFailure.Unreachable)
            {
                // Jobs live in the agent's memory: an agent that cannot be reached through the retries has taken this one with it.
                throw new AgentException(AgentFailure.JobLost,
                    $"lost the agent at {Device} while job {id} was {Where(last)} there: the job is lost (the agent stopped, was killed or its machine went away); " +
                    $"run it again once the agent is back. {e.Message}", e);
            }
            catch (AgentException e) when (e.Failure == AgentFailure.Refused && last is not null)
            {
                // It knew the job a moment ago and does not now: the agent restarted (on the same address) and forgot it.
                throw new AgentException(AgentFailure.JobLost,
                    $"the agent at {Device} no longer knows job {id}, which was {Where(last)} there: the agent restarted and the job is lost; run it again. {e.Message}", e);
            }

            last = job;

            onUpdate?.Invoke(job);
            if (job.IsFinished) return job;
            await Task.Delay(_options.PollInterval, cancellation);
        }
    }

    private static string Where(JobView? job) => job switch
    {
        { State: JobState.Running } running => $"running ({running.Stage ?? "started"}, {running.Progress:P0})",
        { State: JobState.Queued } queued => $"queued (position {queued.Position})",
        _ => "queued",
    };

    /// <summary>The finished job's result, or the failure as an <see cref="AgentException"/> saying what the agent said.</summary>
    public Pipeline.BenchRecord ResultOf(JobView job) => Succeeded(job).Result ?? throw NoResult(job);

    /// <summary>The job when it finished with its result; else the failure as an <see cref="AgentException"/> saying what the agent said.</summary>
    public JobView Succeeded(JobView job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.State == JobState.Done) return job;
        var error = job.Error ?? new ApiError(ApiError.Internal, $"the job ended {job.State} without a result");
        var failure = error.Kind == ApiError.Internal ? AgentFailure.Internal : AgentFailure.JobFailed;
        var what = job.State == JobState.Cancelled ? "was cancelled" : "failed";
        throw new AgentException(failure, $"the {job.Kind} job {job.Id} on {Device} {what}: {error.Message}");
    }

    /// <summary>A done job without the part of the result its kind promises: the agent's bug.</summary>
    public AgentException NoResult(JobView job) => new(AgentFailure.Internal, $"the {job.Kind} job {job.Id} on {Device} ended done without its result");

    private async Task<T> SendAsync<T>(Func<HttpRequestMessage> create, bool idempotent, TimeSpan timeout, CancellationToken cancellation)
    {
        var wait = _options.FirstBackoff;
        for (var attempt = 0; ; attempt++)
        {
            var last = attempt >= _options.Retries;
            using var request = create();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            deadline.CancelAfter(timeout);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                // Our deadline, not the caller's: the agent did not answer in time. An upload may have been taken, so it is not repeated.
                if (last || !idempotent) throw new AgentException(AgentFailure.Unreachable, $"the agent at {Device} did not answer {request.Method} {request.RequestUri} within {timeout.TotalSeconds:0} s");
                await Task.Delay(wait, cancellation);
                wait = Next(wait);
                continue;
            }
            catch (HttpRequestException e) when (IsConnectionFailure(e, idempotent))
            {
                if (last)
                {
                    throw new AgentException(AgentFailure.Unreachable,
                        $"cannot reach the device agent at {Device} ({e.Message}) after {attempt + 1} attempt(s); is 'toolchain serve' running there, and does its --urls listen on an address this machine can reach?", e);
                }

                await Task.Delay(wait, cancellation);
                wait = Next(wait);
                continue;
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.SecureConnectionError)
            {
                throw new AgentException(AgentFailure.Unreachable,
                    $"no TLS connection to the agent at {Device}: {e.InnerException?.Message ?? e.Message}; if its certificate comes from your own CA, trust that CA here " +
                    "(--ca-cert ca.pem, the system store, or SSL_CERT_FILE=ca.pem for this command)", e);
            }
            catch (HttpRequestException e)
            {
                var detail = e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
                throw new AgentException(AgentFailure.Unreachable, $"the connection to the agent at {Device} failed during {request.Method} {request.RequestUri}: {detail}", e);
            }

            using (response)
            {
                if (response.IsSuccessStatusCode)
                {
                    return await response.Content.ReadFromJsonAsync<T>(AgentJson.Options, cancellation)
                           ?? throw new AgentException(AgentFailure.Internal, $"the agent at {Device} answered {request.RequestUri} with an empty body");
                }

                var error = await ReadErrorAsync(response, cancellation);
                switch (response.StatusCode)
                {
                    case HttpStatusCode.ServiceUnavailable when !last:
                        // Nothing was queued: retrying is safe even for an upload. Retry-After says when it is worth it.
                        var after = response.Headers.RetryAfter?.Delta ?? wait;
                        await Task.Delay(after < _options.MaxBackoff ? after : _options.MaxBackoff, cancellation);
                        wait = Next(wait);
                        continue;
                    case HttpStatusCode.ServiceUnavailable:
                        throw new AgentException(AgentFailure.Busy, $"the agent at {Device} is busy: {error}");
                    case HttpStatusCode.Unauthorized:
                        throw new AgentException(AgentFailure.Unauthorized, $"the agent at {Device} refused the token (401: {error}); use the token file the agent was started with (--token-file)");
                    case >= HttpStatusCode.InternalServerError:
                        throw new AgentException(AgentFailure.Internal, $"the agent at {Device} failed on {request.Method} {request.RequestUri} ({(int)response.StatusCode}): {error}");
                    default:
                        throw new AgentException(AgentFailure.Refused, $"the agent at {Device} refused {request.Method} {request.RequestUri?.AbsolutePath} ({(int)response.StatusCode}): {error}");
                }
            }
        }
    }

    private TimeSpan Next(TimeSpan wait) => wait * 2 < _options.MaxBackoff ? wait * 2 : _options.MaxBackoff;

    /// <summary>
    /// Connection failures worth another attempt. An upload is retried only when no connection was ever made (refused, name
    /// not resolved): after that the agent may have queued it.
    /// </summary>
    private static bool IsConnectionFailure(HttpRequestException e, bool idempotent) => e.HttpRequestError switch
    {
        HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError => true,
        HttpRequestError.ResponseEnded or HttpRequestError.Unknown => idempotent,
        _ => false,
    };

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellation)
    {
        var text = await response.Content.ReadAsStringAsync(cancellation);
        try
        {
            var error = JsonSerializer.Deserialize<ApiError>(text, AgentJson.Options);
            if (error?.Message is { Length: > 0 } message) return message;
        }
        catch (JsonException)
        {
        }

        return text.Length > 0 ? text : response.ReasonPhrase ?? response.StatusCode.ToString();
    }

    public void Dispose() => _http.Dispose();
}
