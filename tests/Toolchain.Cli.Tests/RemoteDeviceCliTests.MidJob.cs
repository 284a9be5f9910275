using Toolchain.Agent.Api;
using Toolchain.Agent.Client;
using Toolchain.Agent.Security;
using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.TestSupport;

namespace Toolchain.Cli.Tests;

/// <summary>
/// An agent killed (SIGKILL) while a job runs on it: the client says the job is lost and names the agent within a bounded
/// time instead of polling forever, and a pipeline run exits 3 and continues when rerun against a restarted agent.
/// </summary>
public sealed partial class RemoteDeviceCliTests
{
    /// <summary>A hang guard only: the client's own retries end in seconds; this is what "never" is cut at.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task AgentKilledWhileItsJobRuns_TheWaitingClientFailsWithJobLost_NamingTheAgentAndTheJob()
    {
        using var dir = new TempDirectory();
        var (agent, url) = Serve(dir);
        using var _ = agent;
        byte[] onnx;
        using (var graph = ModelZoo.Create("resnet20")) onnx = OnnxExporter.Export(graph, new OnnxExportOptions { FoldBatchNorm = true });

        // The client as the commands configure it (default retries and back-off), only polling faster.
        using var client = new AgentClient(new Uri(url), AccessToken.ReadFile(dir.File("token")), new AgentClientOptions { PollInterval = TimeSpan.FromMilliseconds(100) });
        var job = await client.SubmitBenchAsync(onnx, new BenchSettings { Name = "endless", Iterations = 10_000_000, Warmup = 0 });
        var seen = new List<JobView>();
        var waiting = client.WaitAsync(job.Id, view =>
        {
            lock (seen) seen.Add(view);
        });
        await WaitUntil(() => { lock (seen) return seen.Any(v => v.State == JobState.Running && v.Progress > 0); }, "the job measuring on the agent");

        agent.Kill();
        var lost = await Assert.ThrowsAsync<AgentException>(() => waiting.WaitAsync(HangGuard));
        Assert.Equal(AgentFailure.JobLost, lost.Failure);
        Assert.True(lost.IsBadInput); // the CLI exits 3: nothing wrong with the tool, the device went away
        Assert.Contains($"lost the agent at {url}/ while job {job.Id} was running", lost.Message);
        Assert.Contains("the job is lost", lost.Message);
        Assert.Contains("cannot reach the device agent", lost.Message); // and why: the connection is refused now
    }

    [Fact]
    public async Task RunWithTargetDevice_WhoseAgentIsKilledDuringTheDeviceBenchmark_Exits3NamingIt_AndARerunAgainstARestartedAgentFinishes()
    {
        using var dir = new TempDirectory();
        var (agent, url) = Serve(dir);
        string[] Run(string device, int benchmarkSeconds) =>
        [
            "run", "--set", "data=shapes10", "--set", "train.images=256", "--set", "train.epochs=0", "--set", "prune.method=l1", "--set", "prune.epochs=0",
            "--set", "prune.finetuneEpochs=0", "--set", $"target.profile={RunCliTests.CommittedProfile()}", "--set", "target.allowForeignProfile=true",
            "--set", $"benchmark.seconds={benchmarkSeconds}", "--set", "benchmark.batches=[1]", "--set", "gates.maxAccuracyDrop=null", "--set", "gates.latencyTolerance=10",
            "--set", "output=out", "--set", $"target.device={device}", "--set", "target.tokenFile=token",
        ];

        // A benchmark long enough to be caught running (the agent is killed as soon as it is; the run never waits it out).
        using (agent)
        using (var run = CliProcess.Start(dir.Path, [.. Run(url, 600), "--json"]))
        {
            // Training and pruning first (minutes on a loaded host): the stage record says when the device benchmark begins.
            run.WaitForLine(l => l.Contains("\"type\":\"stage\"", StringComparison.Ordinal) && l.Contains("\"stage\":\"benchmark\"", StringComparison.Ordinal)
                                 && l.Contains("\"running\"", StringComparison.Ordinal), "the start of the benchmark stage");
            using var watcher = new AgentClient(new Uri(url), AccessToken.ReadFile(dir.File("token")), new AgentClientOptions { Retries = 0 });
            await WaitUntil(async () => (await watcher.DeviceAsync()).Queue.Running is { } id && (await watcher.JobAsync(id)).Kind == "bench", "a bench job of the run on the agent");
            agent.Kill();
            var lost = run.WaitForExit();
            Assert.True(lost.ExitCode == ExitCodes.BadInput, $"exit {lost.ExitCode}: {lost.Stdout}{lost.Stderr}");
            Assert.Contains($"lost the agent at {url}/ while job", lost.Stderr);
            Assert.Contains("the job is lost", lost.Stderr);
        }

        // The agent back (on another port): the run continues from the stages it finished before the device went away.
        var (back, newUrl) = Serve(dir);
        using (back)
        {
            var rerun = CliRunner.Run(dir.Path, Run(newUrl, 1));
            Assert.True(rerun.ExitCode == ExitCodes.Success, rerun.Stdout + rerun.Stderr);
            Assert.Contains("train: reusing", rerun.Stdout + rerun.Stderr);
            Assert.Contains($"on {newUrl}/: dense p50", rerun.Stdout + rerun.Stderr);
        }
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + HangGuard;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} did not happen within {HangGuard.TotalMinutes} min");
            await Task.Delay(50);
        }
    }

    private static Task WaitUntil(Func<bool> condition, string what) => WaitUntil(() => Task.FromResult(condition()), what);
}
