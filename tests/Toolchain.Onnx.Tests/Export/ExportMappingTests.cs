using Toolchain.TestSupport;
using System.Runtime.InteropServices;
using Onnx;
using Toolchain.Graph;
using Toolchain.Torch;

namespace Toolchain.Onnx.Tests.Export;

/// <summary>The details of the mapping, read back from the serialized model with the generated ONNX classes.</summary>
public sealed class ExportMappingTests
{
    private static ModelProto Parse(ModelGraph graph, OnnxExportOptions? options = null) =>
        ModelProto.Parser.ParseFrom(OnnxExporter.Export(graph, options));

    private static NodeProto NodeNamed(ModelProto model, string name) => Assert.Single(model.Graph.Node, n => n.Name == name);

    private static AttributeProto Attribute(NodeProto node, string name) => Assert.Single(node.Attribute, a => a.Name == name);

    // Raw data is little-endian, as is this (x86-64) host, so the bytes cast directly.
    private static float[] Floats(ModelProto model, string initializer)
    {
        var t = Assert.Single(model.Graph.Initializer, i => i.Name == initializer);
        Assert.Equal((int)TensorProto.Types.DataType.Float, t.DataType);
        return MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
    }

    private static long[] Int64s(ModelProto model, string initializer)
    {
        var t = Assert.Single(model.Graph.Initializer, i => i.Name == initializer);
        Assert.Equal((int)TensorProto.Types.DataType.Int64, t.DataType);
        return MemoryMarshal.Cast<byte, long>(t.RawData.Span).ToArray();
    }

    [Fact]
    public void Export_Model_WritesVersionsProducerAndNames()
    {
        using var graph = SmallGraphs.EveryOtherOp();
        var model = Parse(graph, new OnnxExportOptions { ProducerName = "pipeline-7" });
        Assert.Equal(OnnxSchema.IrVersion, model.IrVersion);
        var opset = Assert.Single(model.OpsetImport);
        Assert.Equal("", opset.Domain);
        Assert.Equal(17, opset.Version);
        Assert.Equal("pipeline-7", model.ProducerName);
        Assert.False(string.IsNullOrEmpty(model.ProducerVersion));
        Assert.Contains("every_other_op", model.DocString);
        Assert.Equal("every_other_op", model.Graph.Name);
        Assert.Equal("image", Assert.Single(model.Graph.Input).Name);
        Assert.Equal("logits", Assert.Single(model.Graph.Output).Name);
    }

    [Fact]
    public void Export_Ops_UseOnnxAttributesAndHelperInitializers()
    {
        using var graph = SmallGraphs.EveryOtherOp();
        var model = Parse(graph);

        var stem = NodeNamed(model, "stem");
        Assert.Equal(["image", "stem.weight", "stem.bias"], stem.Input);
        Assert.Equal([3L, 3L], Attribute(stem, "kernel_shape").Ints);
        Assert.Equal([2L, 2L, 2L, 2L], Attribute(stem, "pads").Ints);
        Assert.Equal([2L, 2L], Attribute(stem, "dilations").Ints);
        Assert.Equal(2, Attribute(stem, "group").I);

        var bn = NodeNamed(model, "stem_bn");
        Assert.Equal("BatchNormalization", bn.OpType);
        Assert.Equal(["stem", "stem_bn.weight", "stem_bn.bias", "stem_bn.running_mean", "stem_bn.running_var"], bn.Input);
        Assert.Equal(0.9f, Attribute(bn, "momentum").F, 6);
        Assert.Equal(1e-5f, Attribute(bn, "epsilon").F);

        var gate = NodeNamed(model, "gate");
        Assert.Equal(1f / 6, Attribute(gate, "alpha").F);
        Assert.Equal(0.5f, Attribute(gate, "beta").F);

        // Clip with an open lower bound: the empty name keeps the max in its place; an open upper bound is left off.
        Assert.Equal(["split:1", "", "cap.max"], NodeNamed(model, "cap").Input);
        Assert.Equal([0.7f], Floats(model, "cap.max"));
        Assert.Equal(["flat", "floor.min"], NodeNamed(model, "floor").Input);
        Assert.Equal([-0.5f], Floats(model, "floor.min"));

        var split = NodeNamed(model, "split");
        Assert.Equal(["split:0", "split:1"], split.Output);
        Assert.Equal([3L, 5L], Int64s(model, "split.split"));

        var silu = model.Graph.Node.Where(n => n.Name.StartsWith("silu")).ToList();
        Assert.Equal(["Sigmoid", "Mul"], silu.Select(n => n.OpType));
        Assert.Equal("silu", silu[1].Output.Single());

        Assert.Equal([1L], Int64s(model, "slice.starts"));
        Assert.Equal([-1L], Int64s(model, "slice.ends"));
        Assert.Equal([3L], Int64s(model, "slice.axes"));
        Assert.Equal([2L], Int64s(model, "slice.steps"));
        Assert.Equal([0L, 2L, 1L, 3L], Attribute(NodeNamed(model, "transpose"), "perm").Ints);
        Assert.Equal([0L, -1L], Int64s(model, "flat.shape"));

        var average = NodeNamed(model, "avg");
        Assert.Equal(0, Attribute(average, "count_include_pad").I);
        Assert.Equal([1L, 1L, 1L, 1L], Attribute(average, "pads").Ints);
        Assert.Equal(1, Attribute(NodeNamed(model, "max"), "ceil_mode").I);

        // Dropout is gone: the Gemm reads the Clip before it.
        Assert.DoesNotContain(model.Graph.Node, n => n.Name == "drop");
        var fc = NodeNamed(model, "fc");
        Assert.Equal(["floor", "fc.weight", "fc.bias"], fc.Input);
        Assert.Equal(1, Attribute(fc, "transB").I);
        Assert.Equal("Identity", NodeNamed(model, "logits").OpType);
    }

    [Fact]
    public void Export_Relu6_IsClipWithNamedBounds()
    {
        using var graph = ModelZoo.Create("mobilenet_v2_cifar");
        var model = Parse(graph);
        var clip = NodeNamed(model, "features.0.2");
        Assert.Equal("Clip", clip.OpType);
        Assert.Equal(["features.0.1", "features.0.2.min", "features.0.2.max"], clip.Input);
        Assert.Equal([0f], Floats(model, "features.0.2.min"));
        Assert.Equal([6f], Floats(model, "features.0.2.max"));
        Assert.Empty(Assert.Single(model.Graph.Initializer, i => i.Name == "features.0.2.max").Dims);
        // The classifier's dropout is dropped; the Gemm reads the flatten output.
        Assert.Equal("flatten", NodeNamed(model, "classifier.1").Input[0]);
    }

    [Fact]
    public void Export_Initializers_AreTheStateDictValuesAsLittleEndianFloat32()
    {
        using var graph = ModelZoo.Create("resnet20", seed: 2);
        GraphFixtures.RandomizeBatchNorms(graph);
        var model = Parse(graph);
        foreach (var (name, tensor) in graph.StateDict())
        {
            var initializer = Assert.Single(model.Graph.Initializer, i => i.Name == name);
            Assert.Equal(tensor.Shape, initializer.Dims);
            Assert.Equal(tensor.ToArray<float>(), Floats(model, name));
        }
    }

    [Fact]
    public void Export_FoldBatchNorm_ComputesFoldedWeightsAndRewiresToTheBatchNormOutput()
    {
        using var graph = ModelZoo.Create("resnet20", seed: 3);
        GraphFixtures.RandomizeBatchNorms(graph);
        var model = Parse(graph, new OnnxExportOptions { FoldBatchNorm = true });

        var conv = NodeNamed(model, "layer1.0.conv1");
        Assert.Equal(["layer1.0.bn1"], conv.Output);
        Assert.Equal(["relu", "layer1.0.conv1.weight", "layer1.0.conv1.bias"], conv.Input);
        Assert.Contains("layer1.0.bn1", conv.DocString);

        var w = graph.GetTensor("layer1.0.conv1.weight").ToArray<float>();
        var gamma = graph.GetTensor("layer1.0.bn1.weight").ToArray<float>();
        var beta = graph.GetTensor("layer1.0.bn1.bias").ToArray<float>();
        var mean = graph.GetTensor("layer1.0.bn1.running_mean").ToArray<float>();
        var variance = graph.GetTensor("layer1.0.bn1.running_var").ToArray<float>();
        var foldedW = Floats(model, "layer1.0.conv1.weight");
        var foldedB = Floats(model, "layer1.0.conv1.bias");
        var perChannel = w.Length / gamma.Length;
        for (var o = 0; o < gamma.Length; o++)
        {
            var scale = gamma[o] / Math.Sqrt(variance[o] + 1e-5);
            Assert.Equal((float)((0 - mean[o]) * scale + beta[o]), foldedB[o]);
            for (var j = 0; j < perChannel; j++) Assert.Equal((float)(w[o * perChannel + j] * scale), foldedW[o * perChannel + j]);
        }
    }

    [Fact]
    public void Export_FoldBatchNorm_LeavesBatchNormWhoseConvOutputHasOtherReaders()
    {
        using var b = new GraphBuilder("shared_conv", [1, 3, 8, 8]);
        var c = b.Conv(b.Input, 4, 3, padding: 1, name: "conv");
        var n = b.BatchNorm(c, "bn");
        b.Output(b.Add(n, c, "sum"));
        using var graph = b.Build();
        var model = Parse(graph, new OnnxExportOptions { FoldBatchNorm = true });
        Assert.Equal(["Conv", "BatchNormalization", "Add"], model.Graph.Node.Select(x => x.OpType));
    }

    [Fact]
    public void Export_FixedBatch_WritesEveryDimensionFixed()
    {
        using var graph = ModelZoo.Create("resnet20");
        var model = Parse(graph, new OnnxExportOptions { DynamicBatch = false });
        Assert.Equal([1L, 3L, 32L, 32L], model.Graph.Input[0].Type.TensorType.Shape.Dim.Select(d => d.DimValue));
        Assert.Equal([1L, 10L], model.Graph.Output[0].Type.TensorType.Shape.Dim.Select(d => d.DimValue));
        Assert.All(model.Graph.ValueInfo, v => Assert.All(v.Type.TensorType.Shape.Dim, d => Assert.True(d.HasDimValue)));
    }

    [Fact]
    public void Export_DynamicBatchWithReshapeToFixedBatch_ThrowsNamingTheNode()
    {
        using var b = new GraphBuilder("fixed_reshape", [1, 2, 4, 4]);
        var x = b.Reshape(b.Input, [1, 32], "to_row");
        b.Output(b.Linear(x, 3, name: "fc"));
        using var graph = b.Build();

        var e = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(graph));
        Assert.Equal("to_row", e.NodeName);
        Assert.Equal(OpKind.Reshape, e.Op);
        Assert.Contains("DynamicBatch = false", e.Message);
        Assert.NotEmpty(OnnxExporter.Export(graph, new OnnxExportOptions { DynamicBatch = false }));
    }

    [Fact]
    public void Export_DynamicBatchWithOutputBatchMergedAway_ThrowsNamingTheOutputNode()
    {
        using var b = new GraphBuilder("flat_all", [1, 2, 4, 4]);
        b.Output(b.Flatten(b.Input, axis: 0, name: "flat"));
        using var graph = b.Build();
        var e = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(graph));
        Assert.Equal("flat", e.NodeName);
        Assert.Contains("dimension 0", e.Message);
    }

    [Fact]
    public void Export_IntegerStatistics_ThrowsNamingTheNodeAndOp()
    {
        using var graph = ModelZoo.Create("resnet20");
        graph.ReplaceTensor("layer2.0.bn1.running_var", Tensor.Ones([32], DType.Int64));
        var e = Assert.Throws<OnnxExportException>(() => OnnxExporter.Export(graph));
        Assert.Equal("layer2.0.bn1", e.NodeName);
        Assert.Equal(OpKind.BatchNorm, e.Op);
        Assert.Contains("layer2.0.bn1.running_var", e.Message);
        Assert.Contains("int64", e.Message);
    }

    [Fact]
    public void Export_DropoutAsGraphOutput_BecomesIdentityKeepingTheOutputName()
    {
        using var b = new GraphBuilder("dropout_last", [1, 3, 4, 4]);
        b.Output(b.Dropout(b.Relu(b.Input, "relu"), 0.5, "drop"));
        using var graph = b.Build();
        var model = Parse(graph);
        var node = NodeNamed(model, "drop");
        Assert.Equal("Identity", node.OpType);
        Assert.Equal("drop", model.Graph.Output[0].Name);
    }
}
