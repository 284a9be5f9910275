using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Toolchain.Benchmarks;

/// <summary>
/// The comparison a user needs to choose a method: ResNet-20 trained once on Fashion-MNIST (cached in the git-ignored
/// runs/bench/, so reruns skip it), then every method at latency budgets of 50 % and 30 % of the dense model, same
/// epochs, same seed, run as a user runs it (<c>toolchain prune … --profile auto --json</c>, this machine's latency
/// tables measured once). Prints top-1, params, MACs, predicted and measured latency and wall time per run, checks
/// every measured latency against its budget (within 5 %, the predictor's error) and returns how far the best of
/// fsa/greg1/greg2 is ahead of l1 in top-1 at the tightest budget reached (percentage points; the target is &gt; 0).
/// A budget below what one channel per group costs is reported as impossible: on ONNX Runtime CPU at batch 1 the
/// per-kernel cost puts ResNet-20 at 28×28 on a floor of about 46 % of its dense latency.
/// </summary>
public static class MethodsBenchmark
{
    private const string Folder = "runs/bench";
    private const int DenseEpochs = 15, PruneEpochs = 2, FineTuneEpochs = 2;
    private static readonly string[] Methods = ["l1", "random", "slim", "fsa", "greg1", "greg2"];
    private static readonly int[] Budgets = [50, 30];

    // GReg's λ schedule fitted to the short pruning phase (the authors' δλ = 1e-4 every 10 iterations needs 100k
    // iterations to reach τ = 1): δλ so that λ reaches τ after about two thirds of the phase's iterations.
    private static readonly string GregDelta = (1.0 / (PruneEpochs * 469 * 2.0 / 3 / 10)).ToString("G3", CultureInfo.InvariantCulture);

    public static double Run()
    {
        var cli = Path.GetFullPath("build/cli/toolchain");
        if (!File.Exists(cli))
        {
            Console.WriteLine($"methods: {cli} is missing; run 'make build' first");
            return double.NaN;
        }

        Directory.CreateDirectory(Folder);
        var dense = Path.Combine(Folder, "resnet20-fashion-mnist.safetensors");
        if (!File.Exists(dense))
        {
            Console.WriteLine($"methods: training the dense ResNet-20 on Fashion-MNIST ({DenseEpochs} epochs, once; cached in {dense})");
            var (exit, _, error) = Toolchain(cli, ["train", "resnet20", "--data", "fashion-mnist", "--epochs", $"{DenseEpochs}", "--out", dense + ".partial"]);
            if (exit != 0) throw new InvalidOperationException($"training the dense model failed ({exit}): {error}");
            File.Move(dense + ".partial", dense);
        }

        var rows = new List<(string Method, int Budget, JsonElement Result, double Seconds)>();
        foreach (var budget in Budgets)
        {
            foreach (var method in Methods)
            {
                var clock = Stopwatch.StartNew();
                var (exit, output, error) = Toolchain(cli,
                [
                    "prune", dense, "--method", method, "--budget", $"latency={budget}%", "--data", "fashion-mnist", "--epochs", $"{PruneEpochs}",
                    "--finetune-epochs", $"{FineTuneEpochs}", "--profile", "auto", "--greg-delta", GregDelta, "--seed", "0",
                    "--out", Path.Combine(Folder, $"{method}-{budget}.onnx"), "--json",
                ]);
                if (exit == 3 && error.Contains("below the minimum", StringComparison.Ordinal))
                {
                    // On a small model at batch 1 the engine's per-kernel cost is a floor no width goes under.
                    Console.WriteLine($"{$"prune latency={budget}%",-28} impossible on this engine: {error.Trim()}");
                    break;
                }

                if (exit != 0) throw new InvalidOperationException($"toolchain prune --method {method} --budget latency={budget}% failed ({exit}): {error}");
                var record = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
                    .Last(e => e.GetProperty("type").GetString() == "prune");
                rows.Add((method, budget, record, clock.Elapsed.TotalSeconds));
                Print(rows[^1]);
            }
        }

        var compared = rows.GroupBy(r => r.Budget).Where(g => g.Any(r => r.Method == "l1") && g.Any(r => r.Method is "fsa" or "greg1" or "greg2")).ToList();
        if (compared.Count == 0)
        {
            Console.WriteLine($"{"methods",-44} no budget was reachable by l1 and fsa/greg alike: nothing to compare");
            return double.NaN;
        }

        var tightest = compared.Min(g => g.Key);
        double Top1(string method) => rows.Where(r => r.Method == method && r.Budget == tightest).Select(r => r.Result.GetProperty("pruned").GetProperty("top1").GetDouble())
            .DefaultIfEmpty(double.NaN).Single();
        var lead = (new[] { "fsa", "greg1", "greg2" }.Select(Top1).Where(double.IsFinite).Max() - Top1("l1")) * 100;
        Console.WriteLine($"{$"methods at latency={tightest}%",-44} best of fsa/greg1/greg2 ahead of l1 by {lead:+0.00;-0.00} pt top-1 (target > 0: {(lead > 0 ? "ok" : "BELOW TARGET")})");
        return lead;
    }

    private static void Print((string Method, int Budget, JsonElement Result, double Seconds) row)
    {
        var (dense, pruned) = (row.Result.GetProperty("dense"), row.Result.GetProperty("pruned"));
        var share = pruned.GetProperty("measuredP50Ms").GetDouble() / dense.GetProperty("measuredP50Ms").GetDouble();
        var ok = share <= row.Budget / 100.0 * 1.05;
        Console.WriteLine($"{$"prune {row.Method} latency={row.Budget}%",-28} top-1 {pruned.GetProperty("top1").GetDouble():P2} (dense {dense.GetProperty("top1").GetDouble():P2})  " +
                          $"params {pruned.GetProperty("parameters").GetInt64(),8:N0}  MACs {pruned.GetProperty("macs").GetInt64() / 1e6,6:F2}M  " +
                          $"predicted {pruned.GetProperty("predictedMs").GetDouble():F3} ms  measured p50 {pruned.GetProperty("measuredP50Ms").GetDouble():F3} ms " +
                          $"= {share:P1} of dense (target ≤ {row.Budget * 1.05:F1} %: {(ok ? "ok" : "ABOVE TARGET")})  {row.Seconds / 60:F1} min");
    }

    /// <summary>Runs the toolchain command as a user would: its exit code, standard output and standard error.</summary>
    private static (int Exit, string Output, string Error) Toolchain(string cli, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }
}
