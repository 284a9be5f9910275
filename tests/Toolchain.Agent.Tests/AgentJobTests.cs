using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Toolchain.Agent.Api;
using Toolchain.Agent.Client;
using Toolchain.Agent.Uploads;
using Toolchain.Pipeline;
using Toolchain.Runtime;
using Toolchain.TestSupport;

namespace Toolchain.Agent.Tests;

/// <summary>Bench jobs through a real agent: results, refusals before queueing, one job at a time, cancellation, timeouts, shutdown.</summary>
public sealed class AgentJobTests
{
    private static readonly BenchSettings Quick = new() { Name = "resnet20", Iterations = 5, Warmup = 1 };

    /// <summary>Runs for minutes unless stopped: long enough to be cancelled, timed out or stopped while it runs.</summary>
    private static readonly BenchSettings Endless = new() { Name = "endless", Iterations = 10_000_000, Warmup = 0 };

    [Fact]
    public async Task BenchJob_OnResnet20_CompletesWithTheResultSchemaOfALocalBench()
    {
        await using var agent = await TestAgent.StartAsync();
        using var client = agent.Client();
        var queued = await client.SubmitBenchAsync(TestAgent.Resnet20, Quick);
        Assert.Equal(JobState.Queued, queued.State);
        Assert.Equal(1, queued.Position);
        Assert.Equal("resnet20", queued.Model);

        var done = await client.WaitAsync(queued.Id);
        Assert.True(done.State == JobState.Done, $"{done.State}: {done.Error}");
        var record = client.ResultOf(done);
        Assert.Equal("resnet20", record.Model);
        Assert.Equal([1, 3, 32, 32], record.Input);
        Assert.Equal(5, record.Report.Iterations);
        Assert.Equal(Engines.OrtCpu.Name, record.Report.Engine);
        Assert.True(record.Report.MinMs > 0 && record.Report.MinMs <= record.Report.P50Ms && record.Report.P50Ms <= record.Report.MaxMs);
        Assert.Equal(LatencyProfiles.Here(Engines.OrtCpu.Name, 0, 1) with { Date = record.Device.Date }, record.Device);
        Assert.Equal(1, done.Progress);
        Assert.NotNull(done.Started);
        Assert.True(done.Created <= done.Started && done.Started <= done.Finished);

        // The same model measured here by the same workflow serializes to the same schema, property for property.
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("resnet20.onnx"), TestAgent.Resnet20);
        var local = BenchJob.Run(new BenchRequest { Model = dir.File("resnet20.onnx"), DisplayName = "resnet20", Iterations = 2, Warmup = 0 }, new SilentObserver());
        using var http = agent.Http(agent.Token);
        using var remote = JsonDocument.Parse(await http.GetStringAsync($"v1/jobs/{done.Id}"));
        using var here = JsonDocument.Parse(JsonSerializer.Serialize(local.Benchmark, AgentJson.Options));
        Assert.Equal(JsonShape.Of(here.RootElement), JsonShape.Of(remote.RootElement.GetProperty("result")));
        Assert.Equal("benchmark", remote.RootElement.GetProperty("result").GetProperty("type").GetString());

        // The upload is gone with its job.
        Assert.Empty(Directory.EnumerateFileSystemEntries(agent.Host.Services.GetRequiredService<UploadFolder>().Root));
    }

    [Fact]
    public async Task Upload_LargerThanTheLimit_Answers413_WithOrWithoutContentLength_AndQueuesNothing()
    {
        await using var agent = await TestAgent.StartAsync(o => o with { MaxUploadBytes = 64 << 10 });
        using var http = agent.Http(agent.Token);

        // Declared too large: refused on the header, before the body is sent (Expect: 100-continue, as the client sends it).
        var declared = new HttpRequestMessage(HttpMethod.Post, "v1/jobs/bench?iterations=1") { Content = new ByteArrayContent(TestAgent.Resnet20) };
        declared.Headers.ExpectContinue = true;
        using (var response = await http.SendAsync(declared))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            var error = await response.Content.ReadFromJsonAsync<ApiError>(AgentJson.Options);
            Assert.Equal(ApiError.TooLarge, error!.Kind);
            Assert.Contains("--max-upload-mb", error.Message);
        }

        // Chunked, no length: refused once more than the limit has arrived.
        var chunked = new HttpRequestMessage(HttpMethod.Post, "v1/jobs/bench?iterations=1") { Content = new StreamContent(new MemoryStream(new byte[200 << 10])) };
        chunked.Headers.TransferEncodingChunked = true;
        using (var response = await http.SendAsync(chunked))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        using var client = agent.Client();
        Assert.Equal(AgentFailure.Refused, (await Assert.ThrowsAsync<AgentException>(() => client.SubmitBenchAsync(TestAgent.Resnet20, Quick))).Failure);
        Assert.Empty(agent.Host.Jobs.History);
        Assert.Equal(0, agent.Host.Jobs.Now().Waiting);
        Assert.Empty(Directory.EnumerateFileSystemEntries(agent.Host.Services.GetRequiredService<UploadFolder>().Root));
        Assert.Equal("v1", (await client.DeviceAsync()).Api); // still serving
    }

    [Fact]
    public async Task Upload_MalformedOnnx_Answers400WithTheLoadersMessage_AndTheAgentServesTheNextJob()
    {
        await using var agent = await TestAgent.StartAsync();
        using var client = agent.Client();
        var refused = await Assert.ThrowsAsync<AgentException>(() => client.SubmitBenchAsync([0x08, 0x07, 0x12, 0xff, 0xff, 0x01], Quick with { Name = "bad.onnx" }));
        Assert.Equal(AgentFailure.Refused, refused.Failure);
        Assert.Contains("(400)", refused.Message);
        // The loader's own words, naming the file as uploaded (not the agent's private path).
        Assert.Contains("bad.onnx: not a valid ONNX model (protobuf decoding failed", refused.Message);
        Assert.DoesNotContain(agent.Host.Services.GetRequiredService<UploadFolder>().Root, refused.Message);

        // Settings are refused as the command line refuses them.
        var badSetting = await Assert.ThrowsAsync<AgentException>(() => client.SubmitBenchAsync(TestAgent.Resnet20, Quick with { Batch = 0 }));
        Assert.Contains("--batch must be at least 1", badSetting.Message);
        var unknownEngine = await Assert.ThrowsAsync<AgentException>(() => client.SubmitBenchAsync(TestAgent.Resnet20, Quick with { Engine = "tpu" }));
        Assert.Contains("unknown engine 'tpu'", unknownEngine.Message);

        // A setting the agent does not know is refused rather than ignored (a typo must not silently measure the default).
        using (var http = agent.Http(agent.Token))
        {
            var typo = new HttpRequestMessage(HttpMethod.Post, "v1/jobs/bench?iterationz=5") { Content = new ByteArrayContent(TestAgent.Resnet20) };
            typo.Headers.ExpectContinue = true;
            using var response = await http.SendAsync(typo);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("iterationz", (await response.Content.ReadFromJsonAsync<ApiError>(AgentJson.Options))!.Message);
        }

        var next = await client.WaitAsync((await client.SubmitBenchAsync(TestAgent.Resnet20, Quick)).Id);
        Assert.Equal(JobState.Done, next.State);
        Assert.Single(agent.Host.Jobs.History);
    }

    /// <summary>
    /// A file that decodes as ONNX but that ONNX Runtime refuses to load (its input has no type) passes the upload check;
    /// the job then fails with ONNX Runtime's own message, as a local bench would, and the agent goes on to the next job.
    /// </summary>
    [Fact]
    public async Task JobWhoseModelOnnxRuntimeRefuses_FailsWithTheLoadersMessage_AndTheAgentRunsTheNextJob()
    {
        await using var agent = await TestAgent.StartAsync();
        using var client = agent.Client();
        var failed = await client.WaitAsync((await client.SubmitBenchAsync(OnnxWithUntypedInput(), Quick with { Name = "odd.onnx" })).Id);
        Assert.Equal(JobState.Failed, failed.State);
        Assert.Equal(ApiError.BadInput, failed.Error!.Kind);
        Assert.Contains("Load model from odd.onnx failed:This is an invalid model", failed.Error.Message); // ONNX Runtime's words
        Assert.Contains("odd.onnx", failed.Error.Message);
        Assert.DoesNotContain(agent.Host.Services.GetRequiredService<UploadFolder>().Root, failed.Error.Message);
        var failure = Assert.Throws<AgentException>(() => client.ResultOf(failed));
        Assert.True(failure.IsBadInput);

        Assert.Equal(JobState.Done, (await client.WaitAsync((await client.SubmitBenchAsync(TestAgent.Resnet20, Quick)).Id)).State);
        Assert.Empty(Directory.EnumerateFileSystemEntries(agent.Host.Services.GetRequiredService<UploadFolder>().Root));
    }

    /// <summary>ModelProto { ir_version 8, opset 17, graph { node NoSuchOp(x) → y, input x, output y } } — no types anywhere — written field by field.</summary>
    private static byte[] OnnxWithUntypedInput()
    {
        static byte[] Message(params Action<CodedOutputStream>[] fields)
        {
            using var stream = new MemoryStream();
            var output = new CodedOutputStream(stream);
            foreach (var field in fields) field(output);
            output.Flush();
            return stream.ToArray();
        }

        static Action<CodedOutputStream> Number(int field, long value) => o =>
        {
            o.WriteTag(field, WireFormat.WireType.Varint);
            o.WriteInt64(value);
        };
        static Action<CodedOutputStream> Text(int field, string value) => o =>
        {
            o.WriteTag(field, WireFormat.WireType.LengthDelimited);
            o.WriteString(value);
        };
        static Action<CodedOutputStream> Nested(int field, byte[] value) => o =>
        {
            o.WriteTag(field, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(value));
        };

        var node = Message(Text(1, "x"), Text(2, "y"), Text(4, "NoSuchOp"));
        var graph = Message(Nested(1, node), Text(2, "g"), Nested(11, Message(Text(1, "x"))), Nested(12, Message(Text(1, "y"))));
        return Message(Number(1, 8), Nested(7, graph), Nested(8, Message(Number(2, 17))));
    }

    [Fact]
    public async Task Multipart_ModelAndSettingsParts_RunWithThoseSettings_PerNodeIncluded_AndTheQueryOverridesThem()
    {
        await using var agent = await TestAgent.StartAsync();
        using var http = agent.Http(agent.Token);
        using var form = new MultipartFormDataContent();
        var model = new ByteArrayContent(TestAgent.Resnet20);
        model.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(model, "model", "my-model.onnx");
        form.Add(new StringContent("""{ "iterations": 3, "warmup": 0, "batch": 2, "perNode": true }""", Encoding.UTF8, "application/json"), "settings");
        using var response = await http.PostAsync("v1/jobs/bench?batch=3", form);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var queued = (await response.Content.ReadFromJsonAsync<JobView>(AgentJson.Options))!;
        Assert.Equal($"/v1/jobs/{queued.Id}", response.Headers.Location!.OriginalString);

        using var client = agent.Client();
        var done = await client.WaitAsync(queued.Id);
        var record = client.ResultOf(done);
        Assert.Equal("my-model.onnx", record.Model);
        Assert.Equal(3, record.Report.Iterations);
        Assert.Equal(3, record.Report.Batch);
        // --per-node's record comes back beside the result: ResNet-20's 21 convolutions, each timed by ONNX Runtime's profiler.
        Assert.Equal("nodes", done.Nodes!.Type);
        Assert.Equal(3, done.Nodes.Runs);
        Assert.True(done.Nodes.Nodes.Count(n => n.OpType == "Conv") >= 21);
    }

    [Fact]
    public async Task TenConcurrentClients_AllJobsComplete_AndNoTwoEverRunAtOnce()
    {
        const int Clients = 10;
        await using var agent = await TestAgent.StartAsync();
        var jobs = await Task.WhenAll(Enumerable.Range(0, Clients).Select(async i =>
        {
            using var client = agent.Client();
            var queued = await client.SubmitBenchAsync(TestAgent.Resnet20, Quick with { Name = $"client{i}", Iterations = 20 });
            return await client.WaitAsync(queued.Id);
        }));

        Assert.All(jobs, j => Assert.True(j.State == JobState.Done, $"{j.Model}: {j.State} {j.Error}"));
        Assert.Equal(Enumerable.Range(0, Clients).Select(i => $"client{i}"), jobs.Select(j => j.Result!.Model));

        // Where the jobs ran: ten intervals, one after another, on the monotonic clock...
        var history = agent.Host.Jobs.History;
        Assert.Equal(Clients, history.Count);
        Assert.Equal(jobs.Select(j => j.Id).Order(), history.Select(h => h.JobId).Order());
        for (var i = 1; i < history.Count; i++)
        {
            Assert.True(history[i - 1].EndTicks <= history[i].StartTicks, $"runs {history[i - 1].JobId} and {history[i].JobId} overlap");
        }

        Assert.Equal(1, agent.Host.Jobs.MostAtOnce);
        // ...and as the API reports them to clients.
        var intervals = jobs.OrderBy(j => j.Started).ToList();
        for (var i = 1; i < intervals.Count; i++) Assert.True(intervals[i - 1].Finished <= intervals[i].Started);
    }

    [Fact]
    public async Task Cancel_RunningAndQueuedJobs_ReportCancelled_AndTheNextJobRuns()
    {
        await using var agent = await TestAgent.StartAsync();
        using var client = agent.Client();
        var running = await client.SubmitBenchAsync(TestAgent.Resnet20, Endless);
        await Wait.Until(() => client.JobAsync(running.Id), j => j.State == JobState.Running && j.Progress > 0, "the endless job measuring");
        var waiting = await client.SubmitBenchAsync(TestAgent.Resnet20, Quick);
        var second = await client.SubmitBenchAsync(TestAgent.Resnet20, Quick);
        Assert.Equal((1, 2), (waiting.Position, second.Position));
        Assert.Null((await client.JobAsync(running.Id)).Position);

        // A queued job leaves the queue at once, and the one behind it moves up.
        var cancelledWaiting = await client.CancelAsync(waiting.Id);
        Assert.Equal(JobState.Cancelled, cancelledWaiting.State);
        Assert.Null(cancelledWaiting.Position);
        Assert.Equal(ApiError.Cancelled, cancelledWaiting.Error!.Kind);
        Assert.Equal(1, (await client.JobAsync(second.Id)).Position);
        Assert.Equal(JobState.Cancelled, (await client.CancelAsync(second.Id)).State);

        // A running one stops between two timed runs.
        await client.CancelAsync(running.Id);
        var cancelledRunning = await client.WaitAsync(running.Id);
        Assert.Equal(JobState.Cancelled, cancelledRunning.State);
        Assert.Contains("cancelled while running", cancelledRunning.Error!.Message);
        Assert.Null(cancelledRunning.Result);
        var failure = Assert.Throws<AgentException>(() => client.ResultOf(cancelledRunning));
        Assert.Contains("was cancelled", failure.Message);

        var next = await client.WaitAsync((await client.SubmitBenchAsync(TestAgent.Resnet20, Quick)).Id);
        Assert.Equal(JobState.Done, next.State);
        Assert.Equal([running.Id, next.Id], agent.Host.Jobs.History.Select(h => h.JobId)); // the cancelled waiting job never ran
    }

    [Fact]
    public async Task FullQueue_Answers503WithRetryAfter_BeforeReadingTheUpload()
    {
        await using var agent = await TestAgent.StartAsync(o => o with { QueueSize = 1 });
        using var client = agent.Client();
        var running = await client.SubmitBenchAsync(TestAgent.Resnet20, Endless);
        await Wait.Until(() => client.JobAsync(running.Id), j => j.State == JobState.Running, "the endless job starting");
        var waiting = await client.SubmitBenchAsync(TestAgent.Resnet20, Quick);

        using var http = agent.Http(agent.Token);
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/jobs/bench?iterations=1") { Content = new ByteArrayContent(TestAgent.Resnet20) };
        request.Headers.ExpectContinue = true;
        using (var response = await http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.NotNull(response.Headers.RetryAfter?.Delta);
            Assert.Equal(ApiError.QueueFull, (await response.Content.ReadFromJsonAsync<ApiError>(AgentJson.Options))!.Kind);
        }

        // The client retries a full queue (waiting at most MaxBackoff, whatever Retry-After says), then says the agent is busy.
        using var impatient = new AgentClient(agent.Url, agent.Token, new AgentClientOptions { Retries = 1, MaxBackoff = TimeSpan.FromMilliseconds(100) });
        var busy = await Assert.ThrowsAsync<AgentException>(() => impatient.SubmitBenchAsync(TestAgent.Resnet20, Quick));
        Assert.Equal(AgentFailure.Busy, busy.Failure);
        Assert.Contains("queue is full", busy.Message);

        await client.CancelAsync(waiting.Id);
        await client.CancelAsync(running.Id);
        await client.WaitAsync(running.Id);
    }

    [Fact]
    public async Task JobPastTheTimeout_FailsAsTimeout_AndTheAgentRunsTheNextJob()
    {
        await using var agent = await TestAgent.StartAsync(o => o with { JobTimeout = TimeSpan.FromSeconds(2) });
        using var client = agent.Client();
        var slow = await client.WaitAsync((await client.SubmitBenchAsync(TestAgent.Resnet20, Endless)).Id);
        Assert.Equal(JobState.Failed, slow.State);
        Assert.Equal(ApiError.Timeout, slow.Error!.Kind);
        Assert.Contains("--job-timeout", slow.Error.Message);
        Assert.Equal(AgentFailure.JobFailed, Assert.Throws<AgentException>(() => client.ResultOf(slow)).Failure);

        // A duration that cannot fit is refused before it is queued.
        var tooLong = await Assert.ThrowsAsync<AgentException>(() => client.SubmitBenchAsync(TestAgent.Resnet20, Quick with { Iterations = null, Duration = 5 }));
        Assert.Contains("job timeout", tooLong.Message);

        Assert.Equal(JobState.Done, (await client.WaitAsync((await client.SubmitBenchAsync(TestAgent.Resnet20, Quick)).Id)).State);
    }

    [Fact]
    public async Task Stop_CancelsTheRunningAndTheWaitingJobs_AndPollingClientsSeeThemCancelled()
    {
        // A longer grace than the default 2 s: on a loaded machine a poll may take a while to land.
        var agent = await TestAgent.StartAsync(o => o with { ShutdownGrace = TimeSpan.FromSeconds(5) });
        await using var _ = agent;
        using var client = agent.Client();
        var running = await client.SubmitBenchAsync(TestAgent.Resnet20, Endless);
        var waiting = await client.SubmitBenchAsync(TestAgent.Resnet20, Quick);
        await Wait.Until(() => client.JobAsync(running.Id), j => j.State == JobState.Running, "the endless job starting");

        var stopping = agent.Host.StopAsync();
        // The API stays up for the shutdown grace after the jobs are cancelled: their pollers learn what happened.
        var stoppedRunning = await Wait.Until(() => client.JobAsync(running.Id), j => j.IsFinished, "the running job ending", TimeSpan.FromSeconds(20));
        var stoppedWaiting = await client.JobAsync(waiting.Id);
        Assert.Equal(JobState.Cancelled, stoppedRunning.State);
        Assert.Contains("agent stopped", stoppedRunning.Error!.Message);
        Assert.Equal(JobState.Cancelled, stoppedWaiting.State);
        Assert.Contains("agent stopped", stoppedWaiting.Error!.Message);
        await stopping;

        Assert.Equal(AgentFailure.Unreachable, (await Assert.ThrowsAsync<AgentException>(() => client.DeviceAsync())).Failure);
    }
}
