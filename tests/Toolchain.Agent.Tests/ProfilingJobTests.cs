using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Toolchain.Agent.Api;
using Toolchain.Agent.Client;
using Toolchain.Agent.Jobs;
using Toolchain.Graph;
using Toolchain.Graph.Serialization;
using Toolchain.Pipeline;
using Toolchain.Profiling;
using Toolchain.TestSupport;

namespace Toolchain.Agent.Tests;

/// <summary>
/// Profile, validate and recalibrate jobs through a real agent on loopback, against the same workflows run here: the same
/// configurations and tables (within noise), the same report schemas, the device's fingerprint; refusals; cancellation.
/// </summary>
public sealed class ProfilingJobTests
{
    /// <summary>Few samples, no refinement, a short calibration: seconds per tiny model.</summary>
    private static readonly ProfilerOptions Quick = new()
    {
        Runs = 3, Warmup = 1, MaxInitialPoints = 2, Refine = false, CalibrationSamples = 2, Calibration = new ModelMeasurement { MinSeconds = 0 },
    };

    [Fact]
    public async Task RemoteProfile_HasTheLocalConfigurationsAndAxes_TablesAgreeWithinNoise_AndCarriesTheDevicesFingerprint()
    {
        using var dir = new TempDirectory();
        var model = Tiny(dir, "tiny", 8);
        await using var agent = await TestAgent.StartAsync();
        using var device = new RemoteDevice(agent.Client());
        var observer = new Silent();

        var local = ProfileJob.Run(new ProfileRequest { Models = [model], Output = dir.File("local.json"), Options = Quick }, observer);
        var remote = ProfileJob.Run(new ProfileRequest { Models = [model], Output = dir.File("remote.json"), Options = Quick, Device = device }, observer);

        Assert.Equal(["tiny", "tiny"], observer.Profiled); // here, then there
        var (l, r) = (LatencyProfile.Load(local.Path), LatencyProfile.Load(remote.Path));
        Assert.Equal(l.Layers.Keys.Order(), r.Layers.Keys.Order());
        foreach (var (key, layer) in l.Layers)
        {
            var there = r.Layers[key].Table;
            Assert.Equal(layer.Table.Axes.Select(a => string.Join(",", a)), there.Axes.Select(a => string.Join(",", a)));
            Assert.All(there.Values, v => Assert.True(v > 0, $"{key}: {v}"));
        }

        // Within noise: the same layers timed on the same machine, a few runs each; loose, no timing claims.
        var (sumHere, sumThere) = (l.Layers.Values.Sum(x => x.Table.Values.Sum()), r.Layers.Values.Sum(x => x.Table.Values.Sum()));
        Assert.InRange(sumThere / sumHere, 1 / 4.0, 4.0);
        Assert.Equal(l.Calibrations.Select(c => (c.Model, c.Topology, c.Layers)), r.Calibrations.Select(c => (c.Model, c.Topology, c.Layers)));
        Assert.Equal(l.Deployment, r.Deployment);
        Assert.Equal(l.Device with { Date = "" }, r.Device with { Date = "" }); // loopback: the device is this machine

        // Stored as the local profiler stores a profile: loading and saving it again changes nothing.
        var text = File.ReadAllText(remote.Path);
        r.Save(dir.File("again.json"));
        Assert.Equal(text, File.ReadAllText(dir.File("again.json")));

        // Run again: the cached profile is sent along and extended, every configuration reused.
        var extended = ProfileJob.Run(new ProfileRequest { Models = [model], Output = dir.File("remote.json"), Options = Quick, Device = device }, observer);
        Assert.All(extended.Models.Single().Configurations, c => Assert.True(c.Reused, c.Key));
    }

    [Fact]
    public async Task RemoteValidate_ReportsTheLocalSchema_AndRecalibrateReturnsTheModelsCalibration()
    {
        using var dir = new TempDirectory();
        var model = Tiny(dir, "tiny", 8);
        var profile = ProfileJob.Run(new ProfileRequest { Models = [model], Output = dir.File("p.json"), Options = Quick }, new Silent()).Path;
        await using var agent = await TestAgent.StartAsync();
        using var device = new RemoteDevice(agent.Client());
        var request = new PredictRequest { Model = model, Profile = profile, Validate = true, Samples = 2, MeasureSeconds = 0, RecalibrationSamples = 1 };

        var local = PredictJob.Run(request, new Silent()).Validation!;
        var observer = new Silent();
        var remote = PredictJob.Run(request with { Device = device }, observer).Validation!;

        Assert.Empty(observer.Warnings); // the profile was measured on this machine, which the agent is
        Assert.Equal(local.Samples.Select(s => (s.Label, string.Join(",", s.Widths), s.FitPoint)), remote.Samples.Select(s => (s.Label, string.Join(",", s.Widths), s.FitPoint)));
        Assert.Equal(local.Samples.Select(s => s.PredictedMs), remote.Samples.Select(s => s.PredictedMs)); // the same profile predicts the same
        Assert.All(remote.Samples, s => Assert.True(s.MeasuredMs > 0 && s.RecalibratedMs > 0));
        Assert.NotNull(remote.Recalibration);
        using var here = JsonDocument.Parse(JsonSerializer.Serialize(local, AgentJson.Options));
        using var there = JsonDocument.Parse(JsonSerializer.Serialize(remote, AgentJson.Options));
        Assert.Equal(JsonShape.Of(here.RootElement), JsonShape.Of(there.RootElement));

        var calibration = device.Recalibrate(() => ModelResolver.Open(model), "ort-cpu", 1, LatencyProfile.Load(profile), observer, CancellationToken.None);
        Assert.Equal("tiny", calibration.Model);
        Assert.True(calibration.Points.Count >= 2 && calibration.Points.All(p => p.MeasuredMs > 0));
    }

    [Fact]
    public async Task Refused_BeforeQueueing_MissingProfile_NotAModel_UnknownEngine_QueryParameters()
    {
        using var dir = new TempDirectory();
        var model = File.ReadAllBytes(Tiny(dir, "tiny", 8));
        await using var agent = await TestAgent.StartAsync();
        using var http = agent.Http(agent.Token);

        async Task<(HttpStatusCode, string, string)> Post(string path, (string Name, string FileName, byte[] Bytes)[] parts, ProfilingSettings? settings = null)
        {
            using var form = new MultipartFormDataContent();
            foreach (var (name, fileName, bytes) in parts) form.Add(new ByteArrayContent(bytes), name, fileName);
            if (settings is not null) form.Add(new StringContent(JsonSerializer.Serialize(settings, AgentJson.Options), Encoding.UTF8, "application/json"), "settings");
            using var response = await http.PostAsync(path, form);
            var error = JsonSerializer.Deserialize<ApiError>(await response.Content.ReadAsStringAsync(), AgentJson.Options)!;
            return (response.StatusCode, error.Kind, error.Message);
        }

        var (status, kind, message) = await Post("v1/jobs/validate", [("model", "tiny.safetensors", model)]);
        Assert.Equal((HttpStatusCode.BadRequest, ApiError.BadRequest), (status, kind));
        Assert.Contains("'profile' part", message);

        (status, kind, message) = await Post("v1/jobs/profile", [("model", "junk.safetensors", [1, 2, 3, 4, 5, 6, 7, 8, 9])]);
        Assert.Equal((HttpStatusCode.BadRequest, ApiError.BadInput), (status, kind));
        Assert.Contains("junk.safetensors", message);
        Assert.DoesNotContain(Path.GetTempPath(), message);

        (status, kind, message) = await Post("v1/jobs/profile", [("model", "tiny.safetensors", model)], new ProfilingSettings { Engine = "no-such-engine" });
        Assert.Equal((HttpStatusCode.BadRequest, ApiError.BadRequest), (status, kind));
        Assert.Contains("no-such-engine", message);

        (status, kind, _) = await Post("v1/jobs/profile?runs=3", [("model", "tiny.safetensors", model)]);
        Assert.Equal((HttpStatusCode.BadRequest, ApiError.BadRequest), (status, kind));

        (status, kind, message) = await Post("v1/jobs/recalibrate", [("model", "tiny.safetensors", model), ("profile", "p.json", "{}"u8.ToArray())]);
        Assert.Equal((HttpStatusCode.BadRequest, ApiError.BadInput), (status, kind));
        Assert.Contains("profile", message);

        // Nothing was queued, and the agent still serves.
        Assert.Equal(0, agent.Host.Services.GetService(typeof(JobQueue)) is JobQueue queue ? queue.History.Count : -1);
    }

    [Fact]
    public async Task ProfileJob_ReportsItsStageAndProgress_AndDeleteCancelsItWhileItRuns()
    {
        using var dir = new TempDirectory();
        var model = File.ReadAllBytes(Tiny(dir, "tiny", 16));
        await using var agent = await TestAgent.StartAsync();
        using var client = agent.Client();
        // Thousands of runs per sample and every width a sample: minutes, stopped at the next sample once cancelled.
        var endless = new ProfilingSettings { Runs = 5_000, Warmup = 0, GridStep = 1, MaxPoints = 17, Refine = false, CalibrationSeconds = 0 };
        var job = await client.SubmitProfilingAsync(JobKinds.Profile, [("tiny.safetensors", model)], null, endless);
        Assert.Equal(JobKinds.Profile, job.Kind);
        Assert.Equal(5_000, job.Profiling!.Runs);
        var running = await Wait.Until(() => client.JobAsync(job.Id), j => j.State == JobState.Running && j.Stage is not null, "the profile job running with a stage");
        Assert.Contains("tiny.safetensors", running.Stage);
        Assert.DoesNotContain("toolchain-agent-", running.Stage); // the private folder stays private

        await client.CancelAsync(job.Id);
        var cancelled = await Wait.Until(() => client.JobAsync(job.Id), j => j.IsFinished, "the profile job cancelled");
        Assert.Equal(JobState.Cancelled, cancelled.State);
        Assert.Equal(ApiError.Cancelled, cancelled.Error!.Kind);
        var failure = Assert.Throws<AgentException>(() => client.Succeeded(cancelled));
        Assert.Contains("profile job", failure.Message);
    }

    /// <summary>[1, 3, 8, 8] → conv 3→W → conv W→W → pool → linear, as a graph file.</summary>
    private static string Tiny(TempDirectory dir, string name, int width)
    {
        var path = dir.File(name + ".safetensors");
        using var b = new GraphBuilder(name, [1, 3, 8, 8], seed: 1);
        var x = b.Relu(b.BatchNorm(b.Conv(b.Input, width, 3, padding: 1, bias: false, name: "stem"), "stem_bn"), "stem_relu");
        var y = b.Relu(b.BatchNorm(b.Conv(x, width, 3, padding: 1, bias: false, name: "conv"), "conv_bn"), "conv_relu");
        y = b.Flatten(b.GlobalAveragePool(y, "pool"), name: "flatten");
        b.Output(b.Linear(y, 4, name: "fc"));
        using var graph = b.Build();
        GraphFile.Save(graph, path);
        return path;
    }

    private sealed class Silent : IProfileObserver, IPredictObserver
    {
        public List<string> Profiled { get; } = [];

        public List<string> Warnings { get; } = [];

        public void Info(string message)
        {
        }

        public T WithProgress<T>(string title, Func<IProgressBar, T> work) => work(new Bar());

        void IProfileObserver.Profiled(ProfileResult result) => Profiled.Add(result.Model);

        public void Warning(string message) => Warnings.Add(message);

        public void Predicted(PredictResult result)
        {
        }

        private sealed class Bar : IProgressBar
        {
            public void Update(string description, double completed, double total)
            {
            }
        }
    }
}
