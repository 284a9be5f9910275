using System.Text;
using Toolchain.TestSupport;
using Xunit.Abstractions;

namespace Toolchain.Pipeline.Tests;

/// <summary>
/// Fuzzes the pipeline configuration reader (`toolchain run FILE`, `--set`): blind mutations of the default YAML's
/// bytes, and line-wise ones that keep it YAML — a value replaced by a huge, negative, non-finite, mistyped, aliased
/// or tagged one, lines dropped, repeated or re-indented, anchors that expand exponentially, deep nesting — plus
/// random <c>--set</c> overrides. Every case must load or be refused with a <see cref="PipelineConfigException"/>
/// naming the source, never another exception, a hang or a runaway allocation.
/// </summary>
public sealed class PipelineConfigFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Values =
    [
        "-1", "0", "1e999", "-1e999", ".nan", ".inf", "99999999999999999999", "2147483648", "0x10", "1_000", "''", "~", "null",
        "[1, 2, 3]", "{a: 1}", "[latency=-5%]", "[latency=1e400ms]", "[params=0]", "[macs=99999999999T]", "latency=", "*nowhere",
        "&a [*a]", "!!binary AAAA", "!custom x", "\"\\u0000\"", "\t1", "yes", "no", "ort-cuda", "/dev/null", "../../../etc/passwd",
        "[[[[[[]]]]]]", "\"" + new string('x', 5000) + "\"",
    ];

    private static readonly string[] Keys =
        ["model", "data", "output", "train.epochs", "train.lr", "target.batch", "target.engine", "prune.budgets", "prune.method",
         "prune.roundTo", "benchmark.batches", "benchmark.seconds", "gates.latencyTolerance", "gates.parity", "prune.options.mu", "nope.x", "train"];

    [Fact]
    public void MutatedConfigurations_LoadOrAreRefusedNamingTheSource()
    {
        var seed = Encoding.UTF8.GetBytes(PipelineConfigLoader.DefaultYaml());
        var count = Fuzzing.CaseCount(1200);
        var campaign = Fuzzing.CampaignSeed(20261202);
        var cases = Enumerable.Range(0, count).Select(i =>
        {
            var random = Fuzzing.CaseRandom(campaign, i);
            var (what, bytes) = (i % 3) switch
            {
                0 => Fuzzing.Blind(seed, random),
                _ => MutateLines(Encoding.UTF8.GetString(seed), random),
            };
            return (i, what, bytes);
        });
        var overrides = new Dictionary<int, string[]>();

        var (failures, loaded, refused) = Fuzzing.Run("pipeline-config", cases,
            (bytes, i) =>
            {
                // Every fourth case also carries random --set overrides, parsed by the same reader.
                var random = Fuzzing.CaseRandom(campaign + 1, i);
                string[] sets = i % 4 == 3 ? [$"{Keys[random.Next(Keys.Length)]}={Values[random.Next(Values.Length)]}"] : [];
                lock (overrides) overrides[i] = sets;
                PipelineConfigLoader.Parse(Encoding.UTF8.GetString(bytes), $"case-{i}.yaml", sets);
            },
            (e, i) => e is PipelineConfigException && (e.Message.Contains($"case-{i}.yaml", StringComparison.Ordinal) || e.Message.Contains("--set", StringComparison.Ordinal)),
            extension: ".yaml", allocationCap: 256L << 20, hangAfter: TimeSpan.FromSeconds(20));

        output.WriteLine($"{count} cases, seed {campaign}: loaded {loaded}, refused {refused}, failed {failures.Count}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} cases failed:\n{string.Join("\n", failures.Take(15))}");
        Assert.True(refused > count / 4 && loaded > count / 20, $"loaded {loaded}, refused {refused}");
    }

    /// <summary>An alias that doubles at each level would expand to 2^40 nodes if the reader resolved it eagerly.</summary>
    [Fact]
    public void ExponentialAliases_AreRefusedQuickly()
    {
        var text = new StringBuilder("a0: &a0 [x, x]\n");
        for (var k = 1; k <= 40; k++) text.Append($"a{k}: &a{k} [*a{k - 1}, *a{k - 1}]\n");
        text.Append("model: *a40\n");
        var e = Assert.Throws<PipelineConfigException>(() => PipelineConfigLoader.Parse(text.ToString(), "bomb.yaml"));
        Assert.StartsWith("bomb.yaml:", e.Message);
    }

    /// <summary>Nesting deep enough to overflow a recursive parser's stack ends the process unless the reader bounds it.</summary>
    [Fact]
    public void DeepNesting_IsRefusedWithoutOverflowingTheStack()
    {
        var depth = 100_000;
        var text = "model: " + new string('[', depth) + new string(']', depth) + "\n";
        var e = Assert.Throws<PipelineConfigException>(() => PipelineConfigLoader.Parse(text, "deep.yaml"));
        Assert.StartsWith("deep.yaml", e.Message);
    }

    private static (string, byte[]) MutateLines(string yaml, Random random)
    {
        var lines = yaml.Split('\n').ToList();
        var content = Enumerable.Range(0, lines.Count).Where(i => lines[i].Contains(':') && !lines[i].TrimStart().StartsWith('#')).ToList();
        var at = content[random.Next(content.Count)];
        string what;
        switch (random.Next(6))
        {
            case 0:
            case 1:
                var line = lines[at];
                var colon = line.IndexOf(':');
                var value = Values[random.Next(Values.Length)];
                lines[at] = line[..(colon + 1)] + " " + value;
                what = $"line {at + 1}: {line[..colon].Trim()} = {Shorten(value)}";
                break;
            case 2:
                what = $"line {at + 1} removed";
                lines.RemoveAt(at);
                break;
            case 3:
                what = $"line {at + 1} repeated";
                lines.Insert(at, lines[at]);
                break;
            case 4:
                var indent = new string(' ', random.Next(1, 6));
                what = $"line {at + 1} indented by {indent.Length}";
                lines[at] = indent + lines[at];
                break;
            default:
                var key = Keys[random.Next(Keys.Length)].Split('.')[^1];
                what = $"line {at + 1}: the key made '{key}'";
                var c = lines[at].IndexOf(':');
                lines[at] = new string(' ', lines[at].Length - lines[at].TrimStart().Length) + key + lines[at][c..];
                break;
        }

        return (what, Encoding.UTF8.GetBytes(string.Join('\n', lines)));
    }

    private static string Shorten(string s) => s.Length > 40 ? s[..40] + "…" : s;
}
