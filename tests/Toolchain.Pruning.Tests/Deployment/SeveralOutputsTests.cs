using Toolchain.Graph;
using Toolchain.Onnx;
using Toolchain.Runtime;
using Toolchain.TestSupport;
using Toolchain.Torch;
using Toolchain.Torch.Serialization;

namespace Toolchain.Pruning.Tests.Deployment;

/// <summary>
/// A model with two graph outputs on non-square images (python/export_two_heads.py: per-pixel scores resized back to
/// the 40×56 input, and image-level logits, on one trunk), the whole way: it imports with both of PyTorch's outputs,
/// the channels reaching either output are unprunable with the reason naming it, L1 prunes half of every other group,
/// the compacted graph computes both outputs as the masked one does, and its ONNX export gives both in ONNX Runtime.
/// </summary>
public sealed class SeveralOutputsTests : IDisposable
{
    private const double Tolerance = 1e-4;
    private readonly TempDirectory _directory = new();
    private readonly string _onnx;
    private readonly HostTensor _input;
    private readonly HostTensor[] _expected;

    public SeveralOutputsTests()
    {
        PythonOracle.RunScript(Path.Combine(PythonOracle.HelperDirectory, "export_two_heads.py"), [_directory.Path]);
        _onnx = _directory.File("two_heads.onnx");
        var tensors = SafeTensors.Load(_directory.File("expected.safetensors"));
        try
        {
            _input = DeploymentCheck.ToHost(tensors["x"]);
            _expected = [DeploymentCheck.ToHost(tensors["scores"]), DeploymentCheck.ToHost(tensors["logits"])];
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    [Fact]
    public void TwoOutputs_ImportPruneCompactAndDeploy_KeepBothOutputsExact()
    {
        // Both outputs, in the file's order, with PyTorch's values (the executor through the engine, which returns all).
        using (var graph = OnnxImporter.Import(_onnx))
        {
            Assert.Equal([1L, 3, 40, 56], graph.InputShape);
            Assert.Equal(2, graph.OutputNames.Count);
            Assert.Equal([1L, 5, 40, 56], graph.ShapeOf(graph.OutputNames[0]));
            Assert.Equal([1L, 7], graph.ShapeOf(graph.OutputNames[1]));
            AssertOutputsClose(_expected, Run(graph), "imported graph vs PyTorch");
        }

        // Groups: each head's output channels are fixed, naming its output; the trunk's widths prune.
        HostTensor[] masked;
        int[] widths;
        using (var reference = OnnxImporter.Import(_onnx))
        {
            var groups = ChannelGroups.Discover(reference);
            foreach (var output in reference.OutputNames)
            {
                Assert.Contains(groups.Groups, g => !g.Prunable && g.Reason!.Contains($"reaches the graph output '{output}'"));
            }

            Assert.True(groups.Prunable.Count() >= 3, string.Join("; ", groups.Groups.Select(g => g.ToString())));
            var masks = UniformPruning.SelectMasks(groups, Importance.Create("l1"), 0.5);
            widths = masks.Widths();
            Masking.Apply(groups, masks);
            masked = Run(reference);
        }

        using var pruned = OnnxImporter.Import(_onnx);
        var report = OneShotPruning.Prune(pruned, Importance.Create("l1"), 0.5, options: new CompactionOptions { FoldConstants = false });
        Assert.Equal(widths, report.Compaction.WidthsAfter);
        Assert.True(report.ParametersAfter < report.ParametersBefore);
        AssertOutputsClose(masked, Run(pruned), "compacted vs masked");

        // The export keeps both outputs with their names; ONNX Runtime and the re-imported file compute both.
        var path = _directory.File("two_heads_pruned.onnx");
        OnnxExporter.ExportToFile(pruned, path);
        using (var ort = OrtEngine.Load(path))
        {
            Assert.Equal(pruned.OutputNames, ort.Outputs.Select(o => o.Name));
            AssertOutputsClose(masked, ort.Run([_input]).ToArray(), "ONNX Runtime vs masked");
        }

        using var reloaded = OnnxImporter.Import(path);
        Assert.Equal(pruned.OutputNames, reloaded.OutputNames);
        AssertOutputsClose(masked, Run(reloaded), "re-imported export vs masked");
    }

    private HostTensor[] Run(ModelGraph graph)
    {
        using var engine = new TorchEngine(graph);
        return engine.Run([_input]).ToArray();
    }

    private static void AssertOutputsClose(HostTensor[] expected, HostTensor[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++) DeploymentCheck.AssertClose(expected[i], actual[i], Tolerance, $"{what}, output {i}");
    }

    public void Dispose() => _directory.Dispose();
}
