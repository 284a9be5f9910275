using Toolchain.Benchmarks;
using Toolchain.Torch;

// make bench: each comparison measures our engine and the peer in the same run and prints the ratio.
var comparisons = new Dictionary<string, Func<double>>
{
    ["conv"] = ConvBenchmark.Run,
    ["train20"] = () => TrainBenchmark.Run("resnet20", batch: 128, turns: 8, stepsPerTurn: 3, target: 1.0),
    ["train56"] = () => TrainBenchmark.Run("resnet56", batch: 128, turns: 6, stepsPerTurn: 2, target: 1.0),
    ["train18"] = () => TrainBenchmark.Run("resnet18", batch: 32, turns: 4, stepsPerTurn: 2, target: 1.1),
    ["trainmbv2"] = () => TrainBenchmark.Run("mobilenet_v2", batch: 32, turns: 4, stepsPerTurn: 2, target: 1.1),
    ["ort20"] = () => OnnxLatencyBenchmark.Run("resnet20", iterations: 300),
    ["ort56"] = () => OnnxLatencyBenchmark.Run("resnet56", iterations: 200),
    ["ortmbv2"] = () => OnnxLatencyBenchmark.Run("mobilenet_v2", iterations: 100),
    ["prune56"] = () => PrunedLatencyBenchmark.Run("resnet56", iterations: 300),
    ["predict"] = PredictionBenchmark.Run,
    ["methods"] = MethodsBenchmark.Run,
    ["agent"] = () => AgentBenchmark.Run("resnet20", iterations: 300),
};
// Not a comparison and not in `all`: make soak's leak soak (exit code 1 when a loop's memory grows).
var extra = new Dictionary<string, Func<double>> { ["soak"] = Soak.Run };

var selected = args.Length == 0 || args[0] == "all" ? comparisons.Keys.ToArray() : args;
var unknown = selected.Where(s => !comparisons.ContainsKey(s) && !extra.ContainsKey(s)).ToArray();
if (unknown.Length > 0)
{
    Console.Error.WriteLine($"unknown benchmark(s): {string.Join(", ", unknown)}; known: all, {string.Join(", ", comparisons.Keys.Concat(extra.Keys))}");
    return 2;
}

Console.WriteLine($"CPU: {HostCpu.Model}");
Console.WriteLine($"Toolchain benchmarks — libtorch {Libtorch.Version}, {Libtorch.Threads} threads, {Environment.ProcessorCount} cores");
foreach (var name in selected) (comparisons.GetValueOrDefault(name) ?? extra[name])();
return Environment.ExitCode;
