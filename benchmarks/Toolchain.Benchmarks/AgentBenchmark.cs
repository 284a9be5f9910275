using Microsoft.Extensions.Logging;
using Toolchain.Agent;
using Toolchain.Agent.Client;
using Toolchain.Agent.Security;
using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Pipeline;

namespace Toolchain.Benchmarks;

/// <summary>
/// What measuring through the device agent costs: the same model benchmarked here (<see cref="BenchJob"/>, as
/// <c>toolchain bench</c>) and through a <c>toolchain serve</c> agent on loopback HTTP (<see cref="RemoteDevice"/>, as
/// <c>toolchain bench --device</c>), taking turns for a few rounds; each side's best p50 counts. The timing itself runs on
/// the device in both cases, so the two should agree within noise: the ratio shows that the agent adds nothing to what it
/// measures (upload, queue and polling happen outside the timed runs).
/// </summary>
public static class AgentBenchmark
{
    public static double Run(string model, int iterations, int rounds = 4)
    {
        var directory = Directory.CreateTempSubdirectory("toolchain-bench-");
        var token = AccessToken.New();
        var host = AgentHost.Create(new AgentOptions { Urls = ["http://127.0.0.1:0"], Token = token }, logging => logging.SetMinimumLevel(LogLevel.Warning));
        host.StartAsync().GetAwaiter().GetResult();
        try
        {
            var onnx = Path.Combine(directory.FullName, $"{model}.onnx");
            using (var graph = ModelZoo.Create(model)) OnnxExporter.ExportToFile(graph, onnx, new OnnxExportOptions { FoldBatchNorm = true });
            using var device = new RemoteDevice(new AgentClient(host.Addresses.Single(), token));
            var request = new BenchRequest { Model = onnx, DisplayName = model, Iterations = iterations, Warmup = 20 };
            var observer = new Quiet();
            double local = double.MaxValue, remote = double.MaxValue;
            for (var round = 0; round < rounds; round++)
            {
                // The order alternates, so a drift of the host's speed does not favour one side.
                if (round % 2 == 1) remote = Math.Min(remote, device.Bench(request, observer, CancellationToken.None).Benchmark.Report.P50Ms);
                local = Math.Min(local, BenchJob.Run(request, observer).Benchmark.Report.P50Ms);
                if (round % 2 == 0) remote = Math.Min(remote, device.Bench(request, observer, CancellationToken.None).Benchmark.Report.P50Ms);
            }

            var ratio = remote / local;
            Console.WriteLine($"{$"device agent {model} (ort-cpu, batch 1, p50, best of {rounds}×{iterations})",-44} " +
                              $"local {local,9:F3} ms    remote (loopback agent) {remote,9:F3} ms    remote/local {ratio,5:F3}");
            return ratio;
        }
        finally
        {
            host.StopAsync().GetAwaiter().GetResult();
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
            directory.Delete(recursive: true);
        }
    }

    private sealed class Quiet : IJobObserver
    {
        public void Info(string message)
        {
        }

        public T WithProgress<T>(string title, Func<IProgressBar, T> work) => work(new Bar());

        private sealed class Bar : IProgressBar
        {
            public void Update(string description, double completed, double total)
            {
            }
        }
    }
}
