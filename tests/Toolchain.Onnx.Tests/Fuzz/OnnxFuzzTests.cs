using System.Diagnostics;
using Toolchain.Graph;
using Toolchain.Runtime;
using Toolchain.TestSupport;
using Xunit.Abstractions;

namespace Toolchain.Onnx.Tests.Fuzz;

/// <summary>
/// Fuzzes the two ONNX loaders a user's file meets — our importer and ONNX Runtime through our engine — with
/// mutations of valid models (<see cref="OnnxMutator"/>). Every case must end in success or in our own typed error
/// that names the source, within a time and allocation cap; anything else (another exception type, a hang, a
/// runaway allocation; a native crash takes the test host down) fails the test, and the case is saved as
/// <c>fuzz-failures/case-N.onnx</c> beside the test assembly with its mutation in <c>case-N.txt</c>, to reproduce with
/// <c>toolchain inspect case-N.onnx</c>. The case count is 1,200 with a fixed seed; <c>TOOLCHAIN_FUZZ_CASES</c> and
/// <c>TOOLCHAIN_FUZZ_SEED</c> run a longer or another campaign (<c>make fuzz</c>).
/// </summary>
public sealed class OnnxFuzzTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(30);
    private const long AllocationCap = 1L << 30; // managed bytes per case; the seeds need a few MB

    private static int CaseCount => Fuzzing.CaseCount(1200);

    private static int CampaignSeed => Fuzzing.CampaignSeed(20261201);

    /// <summary>Our own exports of small models that between them use every op the exporter writes.</summary>
    private static List<(string Name, byte[] Bytes)> Seeds()
    {
        var seeds = new List<(string, byte[])>();
        void Add(string name, Func<ModelGraph> create, OnnxExportOptions options)
        {
            using var graph = create();
            seeds.Add((name, OnnxExporter.Export(graph, options)));
        }

        Add("resnet20-28px", () => ModelZoo.Create("resnet20", inputShape: [1, 1, 28, 28]), new OnnxExportOptions());
        Add("resnet20-folded", () => ModelZoo.Create("resnet20", inputShape: [1, 1, 28, 28]), new OnnxExportOptions { FoldBatchNorm = true });
        Add("mobilenet_v2-16px", () => ModelZoo.Create("mobilenet_v2_cifar", inputShape: [1, 3, 16, 16]), new OnnxExportOptions { FoldBatchNorm = true });
        Add("mixed-topology", () => TestSupport.GraphFixtures.MixedTopology(), new OnnxExportOptions());
        return seeds;
    }

    [Fact]
    public void MutatedModels_AreImportedOrRefusedWithOurError_NeverCrashHangOrExplode()
    {
        var seeds = Seeds();
        var failures = new List<string>();
        var outcomes = new Dictionary<string, int>();
        foreach (var c in OnnxMutator.Cases(seeds, CaseCount, CampaignSeed))
        {
            var source = $"fuzz-{c.Index}.onnx";
            var importOutcome = RunCase(c, "import", () =>
            {
                using var graph = OnnxImporter.Import(c.Bytes, source);
                // What imports must also run: a mutation the importer let through must not fail natively later.
                var shape = graph.InputShape;
                shape[0] = 1;
                using var engine = new TorchEngine(graph);
                engine.Run([HostTensor.RandomUniform(shape)]);
            }, e => e is OnnxImportException && e.Message.StartsWith(source, StringComparison.Ordinal));
            Count(outcomes, "import", importOutcome.Outcome);
            if (importOutcome.Failure is { } f) failures.Add(f);

            // ONNX Runtime is the slower loader: every fourth case.
            if (c.Index % 4 != 0) continue;
            var ortOutcome = RunCase(c, "ONNX Runtime", () =>
            {
                using var engine = OrtEngine.Load(c.Bytes, source);
            }, e => e is OnnxRuntimeException && e.Message.Contains(source, StringComparison.Ordinal));
            Count(outcomes, "ort", ortOutcome.Outcome);
            if (ortOutcome.Failure is { } g) failures.Add(g);
        }

        var summary = string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}: {o.Value}"));
        output.WriteLine($"{CaseCount} cases, seed {CampaignSeed}: {summary}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {CaseCount} cases failed ({summary}); saved under {FailureFolder}:\n{string.Join("\n", failures.Take(15))}");
        // The campaign must exercise both ends: some mutations import, most are refused.
        Assert.True(outcomes.GetValueOrDefault("import refused") > CaseCount / 2, summary);
        Assert.True(outcomes.GetValueOrDefault("import loaded") > 0, summary);
    }

    [Fact]
    public void FoundByTheFuzzer_AHugeDeclaredInput_IsRefusedAtImportNamingTheInput()
    {
        var model = global::Onnx.ModelProto.Parser.ParseFrom(Seeds()[0].Bytes);
        model.Graph.Input[0].Type.TensorType.Shape.Dim[2].DimValue = 1L << 40;

        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(Google.Protobuf.MessageExtensions.ToByteArray(model), "huge.onnx"));
        Assert.StartsWith("huge.onnx: graph input", e.Message);
        Assert.Contains("[1, 1, 1099511627776, 28]", e.Message);
        Assert.True(e.NeedsInputShape);
    }

    [Fact]
    public void FoundByTheFuzzer_AnAbsurdStride_IsRefusedAtImportNamingTheNode()
    {
        var model = global::Onnx.ModelProto.Parser.ParseFrom(Seeds()[0].Bytes);
        var conv = model.Graph.Node.First(n => n.OpType == "Conv");
        var strides = conv.Attribute.FirstOrDefault(a => a.Name == "strides");
        if (strides is null)
        {
            strides = new global::Onnx.AttributeProto { Name = "strides", Type = global::Onnx.AttributeProto.Types.AttributeType.Ints };
            conv.Attribute.Add(strides);
        }

        strides.Ints.Clear();
        strides.Ints.Add([1, int.MaxValue]);

        var e = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(Google.Protobuf.MessageExtensions.ToByteArray(model), "stride.onnx"));
        Assert.StartsWith("stride.onnx", e.Message);
        Assert.Equal(conv.Name, e.NodeName);
        Assert.Contains("strides [1, 2147483647]", e.Message);
    }

    private static void Count(Dictionary<string, int> outcomes, string loader, string outcome) =>
        outcomes[$"{loader} {outcome}"] = outcomes.GetValueOrDefault($"{loader} {outcome}") + 1;

    private static string FailureFolder => Path.Combine(AppContext.BaseDirectory, "fuzz-failures");

    /// <summary>Runs one loader on one case under the caps; the outcome, and a description when it failed.</summary>
    private static (string Outcome, string? Failure) RunCase(OnnxMutator.Case c, string loader, Action load, Func<Exception, bool> isOurs)
    {
        long allocated = 0;
        Exception? error = null;
        var task = Task.Run(() =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                load();
            }
            catch (Exception e)
            {
                error = e;
            }
            finally
            {
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
        });
        var clock = Stopwatch.StartNew();
        string? problem = null;
        if (!task.Wait(CaseTimeout)) problem = $"did not finish within {CaseTimeout.TotalSeconds:0} s";
        else if (allocated > AllocationCap) problem = $"allocated {allocated / (1 << 20)} MB";
        else if (error is not null && !isOurs(error)) problem = $"{error.GetType().Name}: {error.Message}";
        var outcome = error is null ? "loaded" : "refused";
        if (problem is null) return (outcome, null);

        Directory.CreateDirectory(FailureFolder);
        File.WriteAllBytes(Path.Combine(FailureFolder, $"case-{c.Index}.onnx"), c.Bytes);
        var description = $"case {c.Index} ({c.Seed}; {c.Mutation}) in {loader}: {problem} after {clock.Elapsed.TotalSeconds:0.0} s";
        File.WriteAllText(Path.Combine(FailureFolder, $"case-{c.Index}.txt"), description + "\n" + error + "\n");
        return ("failed", description);
    }
}
