using Toolchain.TestSupport;
using Toolchain.Torch;
using Toolchain.Torch.Serialization;

namespace Toolchain.Graph.Tests;

public sealed class GraphFileTests
{
    [Fact]
    public void SaveLoad_Zoo_RoundTripsStructureWeightsExtrasAndOutputs()
    {
        using var scope = DisposeScope.Enter();
        using var dir = new TempDirectory();
        using var graph = GraphFixtures.MixedTopology();
        GraphFixtures.RandomizeBatchNorms(graph);
        var momentum = Tensor.RandN([8, 3, 3, 3]);
        GraphFile.Save(graph, dir.File("g.safetensors"),
            new Dictionary<string, Tensor> { ["sgd/stem.weight/momentum"] = momentum },
            new Dictionary<string, string> { ["epoch"] = "7" });

        using var loaded = GraphFile.Load(dir.File("g.safetensors"));
        var g2 = loaded.Graph;
        Assert.Equal(graph.Nodes, g2.Nodes);
        Assert.Equal(graph.Parameters.Select(p => p.Name), g2.Parameters.Select(p => p.Name));
        Assert.All(g2.Parameters, p => Assert.True(p.Value.RequiresGrad, $"{p.Name} must be trainable again"));
        Assert.Equal("7", loaded.Metadata["epoch"]);
        TensorAssert.Close(momentum, loaded.ExtraTensors["sgd/stem.weight/momentum"], 0, 0);

        var x = Tensor.RandN([2, 3, 16, 16]);
        TensorAssert.Close(graph.Forward(x), g2.Forward(x), 0, 0, "outputs after reload");
    }

    [Fact]
    public void SaveLoad_PrunedGraph_ReloadsAtNewSize()
    {
        using var scope = DisposeScope.Enter();
        using var dir = new TempDirectory();
        using var graph = ModelZoo.Create("vgg16_bn");
        var keep = Tensor.Arange(0, 40);
        graph.Edit(new Dictionary<string, Tensor>
        {
            ["features.0.weight"] = graph.GetTensor("features.0.weight").Detach().IndexSelect(0, keep),
            ["features.0.bias"] = graph.GetTensor("features.0.bias").Detach().IndexSelect(0, keep),
            ["features.1.weight"] = graph.GetTensor("features.1.weight").Detach().IndexSelect(0, keep),
            ["features.1.bias"] = graph.GetTensor("features.1.bias").Detach().IndexSelect(0, keep),
            ["features.1.running_mean"] = graph.GetTensor("features.1.running_mean").IndexSelect(0, keep),
            ["features.1.running_var"] = graph.GetTensor("features.1.running_var").IndexSelect(0, keep),
            ["features.3.weight"] = graph.GetTensor("features.3.weight").Detach().IndexSelect(1, keep),
        });
        GraphFile.Save(graph, dir.File("pruned.safetensors"));

        using var loaded = GraphFile.Load(dir.File("pruned.safetensors"));
        Assert.Equal([1, 40, 32, 32], loaded.Graph.ShapeOf("features.2"));
        Assert.Equal(graph.ParameterCount, loaded.Graph.ParameterCount);
        Assert.Equal(graph.Macs, loaded.Graph.Macs);
        var x = Tensor.RandN([1, 3, 32, 32]);
        TensorAssert.Close(graph.Forward(x), loaded.Graph.Forward(x), 0, 0, "pruned outputs after reload");
    }

    [Fact]
    public void Load_PlainSafetensors_ThrowsMissingStructure()
    {
        using var dir = new TempDirectory();
        using var t = Tensor.Zeros([2]);
        SafeTensors.Save(dir.File("plain.safetensors"), new Dictionary<string, Tensor> { ["a"] = t });
        var e = Assert.Throws<InvalidDataException>(() => GraphFile.Load(dir.File("plain.safetensors")));
        Assert.Contains("plain.safetensors", e.Message);
        Assert.Contains("no graph structure", e.Message);
    }

    [Fact]
    public void Load_WeightShapeDisagreeingWithStructure_ThrowsNamingNodeAndShapes()
    {
        using var dir = new TempDirectory();
        var path = dir.File("g.safetensors");
        using (var graph = ModelZoo.Create("resnet20")) GraphFile.Save(graph, path);
        RewriteTensor(path, "layer1.0.conv2.weight", Tensor.Zeros([16, 8, 3, 3]));

        var e = Assert.Throws<InvalidDataException>(() => GraphFile.Load(path));
        Assert.Contains("g.safetensors", e.Message);
        Assert.Contains("layer1.0.conv2", e.Message);
        Assert.Contains("[16, 8, 3, 3]", e.Message);
    }

    [Fact]
    public void Load_UnknownOp_ThrowsNamingOp()
    {
        using var dir = new TempDirectory();
        var path = dir.File("g.safetensors");
        using (var graph = ModelZoo.Create("resnet20")) GraphFile.Save(graph, path);
        RewriteStructure(path, s => s.Replace("\"op\":\"Relu\"", "\"op\":\"Einsum\""));

        var e = Assert.Throws<InvalidDataException>(() => GraphFile.Load(path));
        Assert.Contains("unknown op 'Einsum'", e.Message);
        Assert.Contains("g.safetensors", e.Message);
    }

    [Fact]
    public void Load_MissingWeight_ThrowsNamingIt()
    {
        using var dir = new TempDirectory();
        var path = dir.File("g.safetensors");
        using (var graph = ModelZoo.Create("resnet20")) GraphFile.Save(graph, path);
        var tensors = SafeTensors.Load(path);
        var metadata = SafeTensors.ReadMetadata(path);
        tensors.Remove("fc.bias", out var removed);
        removed!.Dispose();
        SafeTensors.Save(path, tensors, metadata);
        foreach (var t in tensors.Values) t.Dispose();

        var e = Assert.Throws<InvalidDataException>(() => GraphFile.Load(path));
        Assert.Contains("'fc.bias'", e.Message);
    }

    private static void RewriteTensor(string path, string name, Tensor value)
    {
        var tensors = SafeTensors.Load(path);
        var metadata = SafeTensors.ReadMetadata(path);
        tensors[name].Dispose();
        tensors[name] = value;
        SafeTensors.Save(path, tensors, metadata);
        foreach (var t in tensors.Values) t.Dispose();
    }

    private static void RewriteStructure(string path, Func<string, string> edit)
    {
        var tensors = SafeTensors.Load(path);
        var metadata = SafeTensors.ReadMetadata(path).ToDictionary();
        metadata[GraphFile.StructureKey] = edit(metadata[GraphFile.StructureKey]);
        SafeTensors.Save(path, tensors, metadata);
        foreach (var t in tensors.Values) t.Dispose();
    }
}
