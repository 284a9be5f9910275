using Toolchain.Graph;
using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Onnx.Tests.Export;

/// <summary>
/// Exporting only reads the graph and frees what it creates. Runs alone (after the parallel tests): the live-tensor
/// count is process-wide.
/// </summary>
[CollectionDefinition(nameof(ExportSideEffectTests), DisableParallelization = true)]
[Collection(nameof(ExportSideEffectTests))]
public sealed class ExportSideEffectTests
{
    private static Dictionary<string, float[]> Snapshot(ModelGraph graph) =>
        graph.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.DType == DType.Float32
            ? kv.Value.ToArray<float>()
            : kv.Value.ToArray<double>().Select(d => (float)d).ToArray());

    [Fact]
    public void Export_FoldedAndUnfolded_LeaksNoTensorsAndLeavesTheGraphUnchanged()
    {
        using var graph = ModelZoo.Create("mobilenet_v2_cifar", seed: 8);
        GraphFixtures.RandomizeBatchNorms(graph);
        // One float64 weight: its float32 conversion is a temporary the export must free.
        graph.ReplaceTensor("features.1.conv.1.weight", Tensor.RandN(graph.GetTensor("features.1.conv.1.weight").Shape, dtype: DType.Float64));
        graph.Training = true;
        var before = Snapshot(graph);
        var nodes = graph.Nodes.ToList();

        var live = ProcessCounters.SettledLiveTensors();
        var plain = OnnxExporter.Export(graph);
        var folded = OnnxExporter.Export(graph, new OnnxExportOptions { FoldBatchNorm = true });
        Assert.Equal(live, ProcessCounters.SettledLiveTensors());

        Assert.NotEqual(plain, folded);
        Assert.True(graph.Training);
        Assert.Equal(nodes, graph.Nodes);
        var after = Snapshot(graph);
        Assert.Equal(before.Keys, after.Keys);
        foreach (var (name, values) in before) Assert.Equal(values, after[name]);
    }

    [Fact]
    public void ExportToFile_MissingFolder_ThrowsNamingTheFolderAndWritesNothing()
    {
        using var graph = ModelZoo.Create("resnet20");
        using var dir = new TempDirectory();
        var missing = Path.Combine(dir.Path, "no-such-folder");
        var e = Assert.Throws<DirectoryNotFoundException>(() => OnnxExporter.ExportToFile(graph, Path.Combine(missing, "model.onnx")));
        Assert.Contains(missing, e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void ExportToFile_TargetIsAFolder_ThrowsAndLeavesNoTemporaryFile()
    {
        using var graph = ModelZoo.Create("resnet20");
        using var dir = new TempDirectory();
        var target = dir.File("model.onnx");
        Directory.CreateDirectory(target);

        var e = Assert.Throws<IOException>(() => OnnxExporter.ExportToFile(graph, target));
        Assert.Contains(target, e.Message);
        Assert.Equal([target], Directory.EnumerateFileSystemEntries(dir.Path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(target));
    }

    [Fact]
    public void ExportToFile_FolderNobodyMayCreateFilesIn_ThrowsIOExceptionNamingThePath()
    {
        // sysfs refuses new files even to root (tests may run as root, so file permissions prove nothing).
        using var graph = ModelZoo.Create("resnet20");
        var target = "/sys/toolchain-export-test.onnx";
        var e = Assert.Throws<IOException>(() => OnnxExporter.ExportToFile(graph, target));
        Assert.Contains(target, e.Message);
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries("/sys"), f => f.Contains("toolchain-export-test"));
    }

    [Fact]
    public void ExportToFile_ExistingFile_IsReplacedWholeWithNoTemporaryFileLeft()
    {
        using var graph = ModelZoo.Create("resnet20");
        using var dir = new TempDirectory();
        var target = dir.File("model.onnx");
        File.WriteAllText(target, "an older model");

        OnnxExporter.ExportToFile(graph, target);
        Assert.Equal(OnnxExporter.Export(graph), File.ReadAllBytes(target));
        Assert.Equal([target], Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void ExportToFile_GraphThatCannotExport_LeavesAnExistingFileAlone()
    {
        using var b = new GraphBuilder("fixed_reshape", [1, 2, 4, 4]);
        b.Output(b.Reshape(b.Input, [1, 32], "to_row"));
        using var graph = b.Build();
        using var dir = new TempDirectory();
        var target = dir.File("model.onnx");
        File.WriteAllText(target, "an older model");

        Assert.Throws<OnnxExportException>(() => OnnxExporter.ExportToFile(graph, target));
        Assert.Equal("an older model", File.ReadAllText(target));
        Assert.Equal([target], Directory.EnumerateFileSystemEntries(dir.Path));
    }
}
