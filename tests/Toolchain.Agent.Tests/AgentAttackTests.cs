using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Toolchain.Agent.Api;
using Toolchain.TestSupport;
using Xunit.Abstractions;

namespace Toolchain.Agent.Tests;

/// <summary>
/// The agent under attack (issue 19): fuzzed ONNX uploads are refused with the loader's message or run, never a 5xx, and the
/// agent answers after each; a bounded flood of uploads and unauthenticated requests on loopback is answered 202, 503 with
/// Retry-After or 401, every accepted job completes, memory stays bounded, and the agent serves normally afterwards.
/// </summary>
public sealed class AgentAttackTests(ITestOutputHelper output)
{
    private static int CaseCount => Fuzzing.CaseCount(200);

    private static int CampaignSeed => Fuzzing.CampaignSeed(20261201);

    /// <summary>A hang guard per case, far above any case's time: not a speed check.</summary>
    private static readonly TimeSpan CaseCap = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Mutated models (<see cref="OnnxMutator"/>, the ONNX fuzz tests' mutator and seeds) uploaded as bench jobs. An upload
    /// the cheap check refuses is a 400 whose message is the loader's, naming the file as uploaded; one it lets through runs
    /// and ends done, or failed as bad input with ONNX Runtime's message naming the file (the agent does not load a model
    /// while another job is timed, so what only ONNX Runtime finds is found when the job runs). Never a 5xx, never an
    /// internal error, and the device endpoint answers after every case. A failing case is saved as
    /// <c>fuzz-failures/agent-N.onnx</c> (+ .txt) beside the test assembly, to replay with <c>toolchain bench agent-N.onnx</c>.
    /// </summary>
    [Fact]
    public async Task FuzzedOnnxUploads_Are400WithTheLoadersMessageOrRun_NeverA5xx_AndTheAgentAnswersAfterEach()
    {
        var seeds = OnnxMutator.OwnExportSeeds();
        await using var agent = await TestAgent.StartAsync();
        using var http = agent.Http(agent.Token);
        int refusedAtUpload = 0, failedAsJobs = 0;
        var statuses = new Dictionary<HttpStatusCode, int>();

        var cases = Enumerable.Range(0, CaseCount).Select(i => OnnxMutator.Make(seeds, CampaignSeed, i)).Select(c => (c.Index, $"{c.Seed}; {c.Mutation}", c.Bytes));
        var (failures, ran, refused) = Fuzzing.Run("agent", cases, (bytes, i) =>
        {
            var name = $"fuzz-{i}.onnx";
            using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/jobs/bench?name={name}&iterations=1&warmup=0") { Content = new ByteArrayContent(bytes) };
            request.Headers.ExpectContinue = true;
            using var response = http.Send(request);
            lock (statuses) statuses[response.StatusCode] = statuses.GetValueOrDefault(response.StatusCode) + 1;
            try
            {
                switch (response.StatusCode)
                {
                    case HttpStatusCode.BadRequest:
                        var error = response.Content.ReadFromJsonAsync<ApiError>(AgentJson.Options).GetAwaiter().GetResult()!;
                        var loaders = error.Kind == ApiError.BadInput && error.Message.StartsWith(name + ": ", StringComparison.Ordinal);
                        var empty = bytes.Length == 0 && error.Message.Contains("the upload is empty", StringComparison.Ordinal);
                        if (!loaders && !empty) throw new InvalidOperationException($"400 without the loader's message naming {name}: {error}");
                        refusedAtUpload++;
                        throw new RefusedByTheAgent(error.Message);
                    case HttpStatusCode.Accepted:
                        var queued = response.Content.ReadFromJsonAsync<JobView>(AgentJson.Options).GetAwaiter().GetResult()!;
                        using (var client = agent.Client())
                        {
                            var job = client.WaitAsync(queued.Id).WaitAsync(CaseCap).GetAwaiter().GetResult();
                            if (job.State == JobState.Done) break;
                            if (job.State == JobState.Failed && job.Error is { Kind: ApiError.BadInput } failed && failed.Message.Contains(name, StringComparison.Ordinal))
                            {
                                failedAsJobs++;
                                throw new RefusedByTheAgent(failed.Message);
                            }

                            throw new InvalidOperationException($"the job ended {job.State}: {job.Error}");
                        }

                    default:
                        throw new InvalidOperationException($"answered {(int)response.StatusCode} {response.StatusCode}: {response.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
                }
            }
            finally
            {
                // Whatever the case did, the agent must still answer.
                using var device = http.GetAsync("v1/device").GetAwaiter().GetResult();
                if (device.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"after {name} the device endpoint answered {(int)device.StatusCode}");
            }
        }, (e, _) => e is RefusedByTheAgent, extension: ".onnx", hangAfter: CaseCap * 2);

        var summary = $"{CaseCount} cases, seed {CampaignSeed}: {ran} ran, {refusedAtUpload} refused at upload (400), {failedAsJobs} failed as jobs with the loader's message; " +
                      $"statuses {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{(int)s.Key}×{s.Value}"))}";
        output.WriteLine(summary);
        Assert.True(failures.Count == 0, $"{failures.Count} cases failed ({summary}):\n{string.Join("\n", failures.Take(15))}");
        Assert.DoesNotContain(statuses.Keys, s => (int)s >= 500);
        // The campaign reaches both ends: uploads refused at once and models that run.
        Assert.True(refusedAtUpload > 0 && ran > 0, summary);
        Assert.Equal(refused, refusedAtUpload + failedAsJobs);
        Assert.Equal(0, agent.Host.Jobs.Now().Waiting);
    }

    /// <summary>
    /// 200 requests at once on loopback against a queue of 2: 150 bench uploads with the token and 50 without. Each is answered
    /// 202, 503 with Retry-After (the queue full: refused before or right after the upload is read) or 401 (no token, whatever
    /// the queue's state); nothing else. Every accepted job completes. Memory: the managed heap after the flood (jobs done,
    /// collected) is within 64 MiB of before — the uploads stream to disk in 64 KiB buffers, so a heap that grew by the
    /// uploads' size (150 × {model size}) would be buffering bodies, and 64 MiB is well below that while leaving room for
    /// the runtime's own caches (JIT, connection pools, the finished jobs' records).
    /// </summary>
    [Fact]
    public async Task RequestFlood_IsAnswered202Or503WithRetryAfterOr401_NoAcceptedJobLost_MemoryBounded_AndTheAgentServesAfterwards()
    {
        const int uploads = 150, unauthenticated = 50, queueSize = 2;
        const long heapCap = 64L << 20;
        await using var agent = await TestAgent.StartAsync(o => o with { QueueSize = queueSize });
        var model = TestAgent.Resnet20;
        using var http = agent.Http(agent.Token);
        using var stranger = agent.Http(null);
        using (var warm = await http.GetAsync("v1/device")) Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        var heapBefore = SettledHeap();

        async Task<(bool Authenticated, HttpStatusCode Status, TimeSpan? RetryAfter, JobView? Job)> Send(int i)
        {
            var authenticated = i % 4 != 3; // 150 with the token, 50 without, interleaved
            using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/jobs/bench?name=flood-{i}&iterations=3&warmup=0") { Content = new ByteArrayContent(model) };
            request.Headers.ExpectContinue = true;
            using var response = await (authenticated ? http : stranger).SendAsync(request);
            var job = response.StatusCode == HttpStatusCode.Accepted ? await response.Content.ReadFromJsonAsync<JobView>(AgentJson.Options) : null;
            return (authenticated, response.StatusCode, response.Headers.RetryAfter?.Delta, job);
        }

        var answers = await Task.WhenAll(Enumerable.Range(0, uploads + unauthenticated).Select(Send)).WaitAsync(TimeSpan.FromMinutes(2));
        var counts = answers.GroupBy(a => (a.Authenticated, a.Status)).ToDictionary(g => g.Key, g => g.Count());
        var summary = string.Join(", ", counts.OrderBy(c => c.Key.Authenticated).ThenBy(c => c.Key.Status).Select(c => $"{(c.Key.Authenticated ? "token" : "none")} {(int)c.Key.Status}×{c.Value}"));
        output.WriteLine($"answers: {summary}");

        Assert.All(answers.Where(a => !a.Authenticated), a => Assert.Equal(HttpStatusCode.Unauthorized, a.Status));
        Assert.All(answers.Where(a => a.Authenticated), a => Assert.True(a.Status is HttpStatusCode.Accepted or HttpStatusCode.ServiceUnavailable, $"{(int)a.Status}: {summary}"));
        Assert.All(answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable), a => Assert.True(a.RetryAfter > TimeSpan.Zero, "a 503 without Retry-After"));
        var accepted = answers.Where(a => a.Job is not null).Select(a => a.Job!).ToList();
        Assert.NotEmpty(accepted);
        Assert.Contains(answers, a => a.Status == HttpStatusCode.ServiceUnavailable); // the flood did overflow the queue

        // No accepted job lost: each one completes, one at a time.
        using var client = agent.Client();
        foreach (var job in accepted)
        {
            var done = await client.WaitAsync(job.Id).WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(done.State == JobState.Done, $"{job.Model}: {done.State} {done.Error}");
        }

        Assert.Equal(accepted.Select(j => j.Id).Order(), agent.Host.Jobs.History.Select(h => h.JobId).Order());
        Assert.Equal(1, agent.Host.Jobs.MostAtOnce);

        var heapAfter = SettledHeap();
        output.WriteLine($"{accepted.Count} jobs accepted and done; managed heap {heapBefore >> 20} MiB before, {heapAfter >> 20} MiB after " +
                         $"(the uploads were {uploads} × {model.Length >> 10} KiB = {(long)uploads * model.Length >> 20} MiB)");
        Assert.True(heapAfter - heapBefore < heapCap, $"the managed heap grew by {(heapAfter - heapBefore) >> 20} MiB over the flood");

        // And it serves normally: a job runs, the device answers.
        var after = await client.WaitAsync((await client.SubmitBenchAsync(model, new BenchSettings { Name = "after", Iterations = 2, Warmup = 0 })).Id);
        Assert.Equal(JobState.Done, after.State);
        Assert.Equal("v1", (await client.DeviceAsync()).Api);
    }

    private static long SettledHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>The agent refused the case the way it must: the case counts as refused, not as a failure.</summary>
    private sealed class RefusedByTheAgent(string message) : Exception(message);
}
