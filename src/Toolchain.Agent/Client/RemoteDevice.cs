using Toolchain.Agent.Api;
using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Pipeline;
using Toolchain.Profiling;
using Toolchain.Runtime;

namespace Toolchain.Agent.Client;

/// <summary>
/// The one client of a device agent that the commands and the pipeline use (<c>bench</c>, <c>profile</c>, <c>predict --validate</c>,
/// <c>run</c> with target.device): connects once (checking the toolchain version), sends the model in the form the job reads
/// (ONNX for a bench, exported as a local ONNX Runtime bench exports it; the graph file for the profiler's jobs, so the agent
/// profiles the very graph a local profiler would), shows the job's queue position and progress on the observer's bar, cancels
/// the job there when interrupted here, and turns a failed job into an <see cref="AgentException"/> naming the agent.
/// </summary>
public sealed class RemoteDevice : IRemoteDevice, IDisposable
{
    private readonly AgentClient _client;
    private DeviceInfo? _info;

    public RemoteDevice(AgentClient client)
    {
        _client = client;
    }

    /// <summary>
    /// The device at <paramref name="url"/> with the token in <paramref name="tokenFile"/>, trusting <paramref name="caCertificate"/>'s
    /// CA besides the system's; errors name the options (--device, --token-file, --ca-cert).
    /// </summary>
    public static RemoteDevice Open(string url, string? tokenFile, string? caCertificate = null, AgentClientOptions? options = null)
    {
        if (tokenFile is null) throw new ArgumentException("--device needs --token-file: the file with the agent's token (toolchain serve --new-token writes one)");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"--device '{url}' is not an http:// or https:// address (e.g. http://edge-01:5117)");
        }

        if (caCertificate is not null && address.Scheme != "https") throw new ArgumentException($"--ca-cert is for an https:// agent; '{url}' is plain HTTP");
        var token = Security.AccessToken.ReadFile(tokenFile);
        if (caCertificate is not null) _ = AgentClient.LoadCertificates(caCertificate); // a wrong file is an error before anything is sent
        return new RemoteDevice(new AgentClient(address, token, (options ?? new AgentClientOptions()) with { CaCertificateFile = caCertificate }));
    }

    public Uri Address => _client.Device;

    /// <summary>The device as its agent describes it; connects (and checks the version) on first use.</summary>
    public DeviceInfo Info(CancellationToken cancellation = default) => _info ??= Wait(_client.ConnectAsync(cancellation));

    /// <summary>One line about the device, for the console.</summary>
    public string Describe()
    {
        var device = Info();
        return $"device {Address}: {device.Host}, {device.Fingerprint.CpuModel}, {device.Fingerprint.Cores} cores{(device.Gpu is { } gpu ? $", {gpu}" : "")}; toolchain {device.ToolVersion}";
    }

    public DeviceFingerprint Fingerprint(string engine, int threads, int batch)
    {
        var info = Info();
        var id = Engines.Find(engine);
        var there = info.Engines.FirstOrDefault(e => e.Name == id.Name)
                    ?? throw new AgentException(AgentFailure.Refused, $"the agent at {Address} does not know the engine {id.Name}");
        return info.Fingerprint with
        {
            Engine = id.Name,
            EngineVersion = there.Version,
            Threads = threads == 0 ? info.Fingerprint.Cores : threads,
            Batch = batch,
            Gpu = id.OnGpu ? info.Gpu : null,
            GpuDriver = id.OnGpu ? info.GpuDriver : null,
        };
    }

    public BenchResult Bench(BenchRequest request, IJobObserver observer, CancellationToken cancellation) => Bench(request, parity: false, observer, cancellation);

    /// <summary>
    /// The bench job; with <paramref name="parity"/>, also the parity check (<see cref="BenchParity"/>): the seeded input is
    /// sent with the job, and the outputs of the measured session there are compared with ONNX Runtime's here
    /// (<see cref="BenchRecord.Parity"/>). A request's own <see cref="BenchRequest.ParityInput"/> is sent as it is, its
    /// outputs returned in <see cref="BenchResult.Outputs"/>.
    /// </summary>
    public BenchResult Bench(BenchRequest request, bool parity, IJobObserver observer, CancellationToken cancellation)
    {
        request.Validate(); // before the export and the upload: a bad setting costs nothing
        var onnx = OnnxBytes(request);
        IReadOnlyList<NamedTensor>? expected = null;
        if (parity)
        {
            HostTensor input;
            (input, expected) = BenchParity.Reference(onnx, request.Name, request);
            request = request with { ParityInput = input };
        }

        var settings = new BenchSettings
        {
            Name = request.Model, Engine = request.Engine, Batch = request.Batch, Warmup = request.Warmup, Iterations = request.Iterations,
            Duration = request.DurationSeconds, Threads = request.Threads, InputShape = request.InputShape is { } shape ? InputShapes.Format(shape) : null,
            PerNode = request.PerNode,
        };
        var done = Run(c => _client.SubmitBenchAsync(onnx, settings, request.ParityInput, c), BenchJob.MeasuringTitle(request.Engine), observer, cancellation);
        var record = _client.ResultOf(done) with { Agent = Address.ToString().TrimEnd('/') };
        IReadOnlyList<NamedTensor>? outputs = null;
        if (request.ParityInput is { } sent)
        {
            try
            {
                outputs = (done.Outputs ?? throw _client.NoResult(done)).Select(o => o.ToTensor()).ToList();
                if (expected is not null) record = record with { Parity = BenchParity.Compare(expected, outputs, sent, $"the agent at {Address}") };
            }
            catch (InvalidDataException e)
            {
                throw new AgentException(AgentFailure.Internal, $"the bench job {done.Id} on {Address} returned unreadable parity outputs: {e.Message}", e);
            }
        }

        return new BenchResult(record, done.Nodes, outputs);
    }

    public (string ProfileJson, ProfileResult Result) Profile(Func<ModelGraph> open, ProfileRequest settings, string? existingProfile, IJobObserver observer, CancellationToken cancellation)
    {
        var wire = new ProfilingSettings
        {
            Engine = settings.Engine, Batch = settings.Batch, Threads = settings.Threads, Runs = settings.Options.Runs, Warmup = settings.Options.Warmup,
            GridStep = settings.Options.GridStep, MaxPoints = settings.Options.MaxInitialPoints, Refine = settings.Options.Refine,
            CalibrationSamples = settings.Options.CalibrationSamples, CalibrationSeconds = settings.Options.Calibration.MinSeconds,
        };
        var file = GraphFileOf(open);
        var done = Run(c => _client.SubmitProfilingAsync(Jobs.JobKinds.Profile, [file], existingProfile, wire, c), $"profiling {Path.GetFileNameWithoutExtension(file.FileName)} on {Info().Host}", observer, cancellation);
        if (done.Profile is not { } profile || done.Profiled is not [var result]) throw _client.NoResult(done);
        return (profile.GetRawText(), result);
    }

    public (ValidationReport Report, DeviceFingerprint Device) Validate(PredictRequest request, string profilePath, IJobObserver observer, CancellationToken cancellation)
    {
        var wire = new ProfilingSettings
        {
            Engine = request.Engine, Batch = request.Batch, Threads = request.Threads, Samples = request.Samples, Seed = request.Seed,
            MeasureSeconds = request.MeasureSeconds, RecalibrationSamples = request.RecalibrationSamples,
        };
        var file = ModelFile(request.Model);
        var profile = File.ReadAllText(profilePath);
        var done = Run(c => _client.SubmitProfilingAsync(Jobs.JobKinds.Validate, [file], profile, wire, c), $"measuring compacted models on {Info().Host}", observer, cancellation);
        if (done.Validation is not { } report || done.Fingerprint is not { } device) throw _client.NoResult(done);
        return (report, device);
    }

    public ModelCalibration Recalibrate(Func<ModelGraph> open, string engine, int batch, LatencyProfile stored, IJobObserver observer, CancellationToken cancellation)
    {
        var wire = new ProfilingSettings { Engine = engine, Batch = batch };
        var file = GraphFileOf(open);
        var temp = Path.Combine(Path.GetTempPath(), $"toolchain-profile-{Guid.NewGuid():N}.json");
        string profile;
        try
        {
            stored.Save(temp);
            profile = File.ReadAllText(temp);
        }
        finally
        {
            File.Delete(temp);
        }

        var done = Run(c => _client.SubmitProfilingAsync(Jobs.JobKinds.Recalibrate, [file], profile, wire, c), $"recalibrating the latency profile on {Info().Host} now", observer, cancellation);
        return done.Calibration ?? throw _client.NoResult(done);
    }

    /// <summary>
    /// Submits a job, follows it on a progress bar (its queue position while it waits, its stage and progress while it runs) and
    /// returns it done; interrupted here, it is cancelled there, so the device is free for others.
    /// </summary>
    private JobView Run(Func<CancellationToken, Task<JobView>> submit, string title, IJobObserver observer, CancellationToken cancellation)
    {
        var host = Info(cancellation).Host;
        var job = Wait(submit(cancellation));
        try
        {
            var final = observer.WithProgress(title, bar => Wait(_client.WaitAsync(job.Id, view =>
            {
                if (view.State == JobState.Queued) bar.Update($"queued on {host} (position {view.Position})", 0, 1);
                else if (view.State == JobState.Running) bar.Update(view.Stage ?? title, view.Progress, 1);
            }, cancellation)));
            return _client.Succeeded(final);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                Wait(_client.CancelAsync(job.Id, patience.Token));
            }
            catch (Exception e) when (e is AgentException or OperationCanceledException)
            {
                observer.Info($"could not cancel job {job.Id} on {Address}: {e.Message}");
            }

            throw;
        }
    }

    /// <summary>The ONNX a bench job receives: an .onnx file as it is, anything else exported as a local ONNX Runtime bench exports it.</summary>
    private static byte[] OnnxBytes(BenchRequest request)
    {
        if (EngineFactory.IsOnnxFile(request.Model))
        {
            if (!File.Exists(request.Model)) throw new FileNotFoundException($"model file '{request.Model}' does not exist", request.Model);
            return File.ReadAllBytes(request.Model);
        }

        using var graph = ModelResolver.Open(request.Model, inputShape: request.InputShape);
        return OnnxExporter.Export(graph, new OnnxExportOptions { FoldBatchNorm = true });
    }

    /// <summary>
    /// The model as the profiler's jobs receive it: an .onnx file as it is; a zoo name, graph file or checkpoint as the graph
    /// file of what <see cref="ModelResolver.Open"/> opens here (a checkpoint's optimizer state stays here), named after the graph.
    /// </summary>
    private static (string FileName, byte[] Bytes) ModelFile(string model)
    {
        if (EngineFactory.IsOnnxFile(model))
        {
            if (!File.Exists(model)) throw new FileNotFoundException($"model file '{model}' does not exist", model);
            return (Path.GetFileName(model), File.ReadAllBytes(model));
        }

        return GraphFileOf(() => ModelResolver.Open(model));
    }

    /// <summary>The graph <paramref name="open"/> opens, as a graph file named after it.</summary>
    private static (string FileName, byte[] Bytes) GraphFileOf(Func<ModelGraph> open)
    {
        using var graph = open();
        var temp = Path.Combine(Path.GetTempPath(), $"toolchain-upload-{Guid.NewGuid():N}.safetensors");
        try
        {
            GraphFile.Save(graph, temp);
            return ($"{graph.Name}.safetensors", File.ReadAllBytes(temp));
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    public void Dispose() => _client.Dispose();
}
