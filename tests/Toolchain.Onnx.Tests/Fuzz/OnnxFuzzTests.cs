using Toolchain.Runtime;
using Toolchain.TestSupport;
using Xunit.Abstractions;

namespace Toolchain.Onnx.Tests.Fuzz;

/// <summary>
/// Fuzzes the two ONNX loaders a user's file meets — our importer and ONNX Runtime through our engine — with
/// mutations of valid models (<see cref="OnnxMutator"/>). Every case must end in success or in our own typed error
/// that names the source, within a time and allocation cap; anything else (another exception type, a hang, a
/// runaway allocation; a native crash takes the test host down) fails the test, and the case is saved as
/// <c>fuzz-failures/import-N.onnx</c> or <c>ort-N.onnx</c> beside the test assembly with its mutation in the .txt
/// beside it, to reproduce with <c>toolchain inspect import-N.onnx</c>. The case count is 1,200 with a fixed seed; <c>TOOLCHAIN_FUZZ_CASES</c> and
/// <c>TOOLCHAIN_FUZZ_SEED</c> run a longer or another campaign (<c>make fuzz</c>).
/// </summary>
public sealed class OnnxFuzzTests(ITestOutputHelper output)
{
    private static int CaseCount => Fuzzing.CaseCount(1200);

    private static int CampaignSeed => Fuzzing.CampaignSeed(20261201);

    private static List<(string Name, byte[] Bytes)> Seeds() => OnnxMutator.OwnExportSeeds();

    [Fact]
    public void MutatedModels_AreImportedOrRefusedWithOurError_NeverCrashHangOrExplode()
    {
        var seeds = Seeds();
        IEnumerable<(int, string, byte[])> Cases(Func<int, bool> which) => Enumerable.Range(0, CaseCount).Where(which)
            .Select(i => OnnxMutator.Make(seeds, CampaignSeed, i)).Select(c => (c.Index, $"{c.Seed}; {c.Mutation}", c.Bytes));
        static string Source(int i) => $"fuzz-{i}.onnx";

        var import = Fuzzing.Run("import", Cases(_ => true), (bytes, i) =>
        {
            using var graph = OnnxImporter.Import(bytes, Source(i));
            // What imports must also run: a mutation the importer let through must not fail natively later.
            var shape = graph.InputShape;
            shape[0] = 1;
            using var engine = new TorchEngine(graph);
            engine.Run([HostTensor.RandomUniform(shape)]);
        }, (e, i) => e is OnnxImportException && e.Message.StartsWith(Source(i), StringComparison.Ordinal), extension: ".onnx");

        // ONNX Runtime is the slower loader: every fourth case.
        var ort = Fuzzing.Run("ort", Cases(i => i % 4 == 0), (bytes, i) =>
        {
            using var engine = OrtEngine.Load(bytes, Source(i));
        }, (e, i) => e is OnnxRuntimeException && e.Message.Contains(Source(i), StringComparison.Ordinal), extension: ".onnx");

        var summary = $"import loaded {import.Loaded}, refused {import.Refused}; ONNX Runtime loaded {ort.Loaded}, refused {ort.Refused}";
        output.WriteLine($"{CaseCount} cases, seed {CampaignSeed}: {summary}");
        var failures = import.Failures.Concat(ort.Failures).ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of {CaseCount} cases failed ({summary}):\n{string.Join("\n", failures.Take(15))}");
        // The campaign must exercise both ends: some mutations import, most are refused.
        Assert.True(import.Refused > CaseCount / 2 && import.Loaded > 0, summary);
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
        Assert.Contains(conv.Name, e.Message);
        Assert.Contains("stride (1, 2147483647) must lie in [1, 65536]", e.Message); // the graph's rule, whoever builds it
    }
}
