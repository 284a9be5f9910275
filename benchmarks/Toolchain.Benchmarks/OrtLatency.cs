using Toolchain.Runtime;

namespace Toolchain.Benchmarks;

/// <summary>How the deployment benchmarks measure ONNX Runtime files and check that they compute the right thing.</summary>
public static class OrtLatency
{
    private const int Warmup = 20;

    /// <summary>
    /// Each file's best p50 (ms) over <paramref name="rounds"/> rounds that alternate between the files, so drifting
    /// machine load hurts every side alike.
    /// </summary>
    public static double[] BestP50(IReadOnlyList<string> paths, HostTensor input, OrtEngineOptions options, int iterations, int rounds = 5)
    {
        var best = Enumerable.Repeat(double.MaxValue, paths.Count).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < paths.Count; i++)
            {
                var path = paths[i];
                var report = EngineBenchmark.Run(() => OrtEngine.Load(path, options), input, new BenchmarkOptions(Warmup, iterations));
                best[i] = Math.Min(best[i], report.P50Ms);
            }
        }

        return best;
    }

    /// <summary>Fails the benchmark when two outputs differ by more than 1e-4 of the expected output's scale.</summary>
    public static void AssertSameOutputs(string what, float[] expected, float[] actual)
    {
        var diff = expected.Zip(actual, (p, q) => Math.Abs(p - q)).Max();
        var scale = Math.Max(1, expected.Max(Math.Abs));
        if (diff > 1e-4 * scale) throw new InvalidOperationException($"{what} disagree by {diff:G3} (output scale {scale:G3})");
    }
}
