using Google.Protobuf;
using Toolchain.Graph;
using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Onnx.Tests.Import;

/// <summary>
/// Small models built with onnx.helper, one pattern each, compared with PyTorch on the same weights; plus the
/// structure the importer gives them (what is folded, how ops map, names).
/// </summary>
[Collection(HandBuiltCollection.Name)]
public sealed class HandBuiltImportTests(HandBuiltModels models)
{
    [Theory]
    [InlineData("typed_fields")]
    [InlineData("reshape_dynamic_11")]
    [InlineData("reshape_dynamic_13")]
    [InlineData("split_11")]
    [InlineData("split_13")]
    [InlineData("slice")]
    [InlineData("transpose")]
    [InlineData("concat")]
    [InlineData("hardswish")]
    [InlineData("clip")]
    [InlineData("matmul_add")]
    [InlineData("shared_bias")]
    [InlineData("pools")]
    [InlineData("conv_same")]
    [InlineData("misc")]
    [InlineData("pad_reduce_11")]
    [InlineData("pad_reduce_17")]
    [InlineData("gelu_11")]
    [InlineData("gelu_17")]
    [InlineData("layer_norm_13")]
    [InlineData("layer_norm_17")]
    [InlineData("resize_11")]
    [InlineData("resize_13")]
    [InlineData("resize_17")]
    public void Import_HandBuiltModel_OutputMatchesPyTorch(string name)
    {
        using var graph = OnnxImporter.Import(models.Model(name));
        AssertForwardMatches(graph, name);
    }

    [Theory]
    [InlineData("gelu_11")]
    [InlineData("gelu_17")]
    public void Import_GeluDecomposition_BecomesOneGeluPerPattern(string name)
    {
        using var graph = OnnxImporter.Import(models.Model(name));
        Assert.Equal([OpKind.Gelu, OpKind.Gelu], graph.Nodes.Select(n => n.Op));
        Assert.Equal(["act", "act2"], graph.Nodes.Select(n => n.Name));
    }

    [Theory]
    [InlineData("layer_norm_13")]
    [InlineData("layer_norm_17")]
    public void Import_LayerNormDecomposedOrNot_BecomesOneLayerNormOverTheChannelsNamedAfterItsModule(string name)
    {
        using var graph = OnnxImporter.Import(models.Model(name));

        // The NHWC Transposes around the first LayerNorm stay on the NCHW value; at both opsets each LayerNorm takes
        // its module's name and PyTorch's parameter names (at 17 the module's scope also holds the Transposes); ε is read
        // as written (1e-6 as a float32 constant or attribute, 1e-5 as an initializer or attribute).
        Assert.Equal([OpKind.Conv, OpKind.LayerNorm, OpKind.GlobalAveragePool, OpKind.Flatten, OpKind.LayerNorm], graph.Nodes.Select(n => n.Op));
        Assert.Equal(["norm", "head"], graph.Nodes.Where(n => n.Op == OpKind.LayerNorm).Select(n => n.Name));
        Assert.Equal([1e-6, 1e-5], graph.Nodes.Where(n => n.Op == OpKind.LayerNorm).Select(n => n.AttributesAs<LayerNormAttributes>().Epsilon));
        Assert.Equal([4L], graph.FindParameter("norm.weight")!.Shape);
        Assert.Equal([4L], graph.FindParameter("head.weight")!.Shape);
        Assert.NotNull(graph.FindParameter("head.bias"));
    }

    [Theory]
    [InlineData("reshape_dynamic_11")]
    [InlineData("reshape_dynamic_13")]
    public void Import_ShapeGatherUnsqueezeConcatReshape_FoldsToCopyOfDynamicBatch(string name)
    {
        using var graph = OnnxImporter.Import(models.Model(name));

        // The shape sub-graph is gone; the reshape copies the batch, so the batch-3 input of the oracle runs
        // through a graph imported for batch 1.
        Assert.Equal([OpKind.Conv, OpKind.Relu, OpKind.Reshape, OpKind.Gemm], graph.Nodes.Select(n => n.Op));
        Assert.Equal([0L, -1L], graph.Nodes[2].AttributesAs<ReshapeAttributes>().Shape);
        Assert.Equal([1L, 4, 5, 5], graph.InputShape);
        Assert.Equal(["conv", "relu", "reshape", "fc"], graph.Nodes.Select(n => n.Name));
        Assert.NotNull(graph.FindParameter("fc.weight"));
        Assert.NotNull(graph.FindParameter("conv.bias"));
    }

    [Theory]
    [InlineData("split_11")]
    [InlineData("split_13")]
    public void Import_Split_TakesSizesFromAttributeInputOrEqualParts(string name)
    {
        using var graph = OnnxImporter.Import(models.Model(name));
        var splits = graph.Nodes.Where(n => n.Op == OpKind.Split).Select(n => n.AttributesAs<SplitAttributes>()).ToList();
        Assert.Equal(2, splits.Count);
        Assert.Equal([2L, 4], splits[0].Sizes);
        Assert.Equal([2L, 2, 2], splits[1].Sizes);
        Assert.Equal(1, splits[1].Axis); // -3 of a rank-4 tensor
    }

    [Fact]
    public void Import_SliceOverSeveralAxes_BecomesAChainOfSingleAxisSlicesSkippingWholeAxes()
    {
        using var graph = OnnxImporter.Import(models.Model("slice"));
        var slices = graph.Nodes.Where(n => n.Op == OpKind.Slice).Select(n => n.AttributesAs<SliceAttributes>()).ToList();
        Assert.Equal(
            [new SliceAttributes(1, 1, 5, 2), new SliceAttributes(3, -6, long.MaxValue), new SliceAttributes(2, 0, -1)],
            slices);
        Assert.Equal([2L, 2, 7, 6], graph.OutputShape);
    }

    [Theory]
    [InlineData("pad_reduce_11")]
    [InlineData("pad_reduce_17")]
    public void Import_PadAndReduceMean_ReadPadsConstantModeAxesAndKeepDims(string name)
    {
        using var graph = OnnxImporter.Import(models.Model(name));
        Assert.Equal(
            [OpKind.Conv, OpKind.Pad, OpKind.Pad, OpKind.Pad, OpKind.Pad, OpKind.AveragePool, OpKind.ReduceMean, OpKind.Add, OpKind.ReduceMean],
            graph.Nodes.Select(n => n.Op));
        Assert.Equal(new PadAttributes([0, 0, 1, 2, 0, 0, 2, 1], PadMode.Reflect), graph.GetNode("reflect").Attributes);
        Assert.Equal(new PadAttributes([0, 0, 0, 1, 0, 0, 2, 0], PadMode.Edge), graph.GetNode("edge").Attributes);
        Assert.Equal(new PadAttributes([0, 0, 1, 1, 0, 0, 1, 1], PadMode.Constant, 0.5), graph.GetNode("const").Attributes);
        Assert.Equal(new PadAttributes(new long[8]), graph.GetNode("pool.pad").Attributes);
        // Negative axes are resolved and sorted; keepdims is read both ways.
        Assert.Equal(new ReduceMeanAttributes([2, 3], KeepDims: true), graph.GetNode("mean").Attributes);
        Assert.Equal(new ReduceMeanAttributes([2, 3], KeepDims: false), graph.GetNode("gap").Attributes);
        Assert.Equal([1L, 4], graph.OutputShape);
    }

    [Theory]
    [InlineData("resize_11")]
    [InlineData("resize_13")]
    [InlineData("resize_17")]
    public void Import_InterpolateAsPyTorchExportsIt_BecomesResizeNodesWithSizesFoldedFromShapes(string name)
    {
        using var graph = OnnxImporter.Import(models.Model(name));
        // Shape, Slice, Concat and the constants are folded: one Resize per F.interpolate, the batch kept dynamic.
        Assert.Equal([OpKind.Conv, OpKind.Resize, OpKind.Resize, OpKind.Resize, OpKind.Resize, OpKind.Resize], graph.Nodes.Select(n => n.Op));
        Assert.Equal(
            [
                new ResizeAttributes(ResizeMode.Bilinear, Size: (11, 9)),
                new ResizeAttributes(ResizeMode.Nearest, Scales: (2, 2)),
                new ResizeAttributes(ResizeMode.Bilinear, AlignCorners: true, Size: (5, 7)),
                new ResizeAttributes(ResizeMode.Bilinear, Scales: (1.5, 1.5)),
                new ResizeAttributes(ResizeMode.Bilinear, Size: (7, 6)),
            ],
            graph.Nodes.Skip(1).Select(n => n.Attributes));
        Assert.Equal([1L, 4, 7, 6], graph.OutputShape);
    }

    [Fact]
    public void Import_TwoOutputs_KeepsBothInOrderAndComputesPyTorchsValues()
    {
        using var scope = DisposeScope.Enter();
        using var graph = OnnxImporter.Import(models.Model("two_outputs"));
        Assert.Equal(["conv", "relu"], graph.OutputNames);
        var expected = ImportSupport.Load(models.Expected("two_outputs"));
        using var noGrad = Libtorch.NoGrad();
        var outputs = graph.ForwardAll(expected["x"]);
        // The ReLU reads the first output; it must not have overwritten it in place.
        ImportSupport.AssertOutputsMatch(expected["y"], outputs[0], "two_outputs: the conv output");
        ImportSupport.AssertOutputsMatch(expected["y1"], outputs[1], "two_outputs: the relu output");
    }

    [Fact]
    public void Import_ClipZeroSix_BecomesRelu6AndOtherBoundsStayClip()
    {
        using var graph = OnnxImporter.Import(models.Model("clip"));
        Assert.Equal(OpKind.Relu6, graph.GetNode("relu6").Op);
        Assert.Equal(new ClipAttributes(-0.5, 0.5), graph.GetNode("clip").Attributes);
        Assert.Equal(new ClipAttributes(-1, null), graph.GetNode("clip_min").Attributes);
    }

    [Fact]
    public void Import_HardSigmoidWithPyTorchAlpha_MapsToHardSigmoid()
    {
        using var graph = OnnxImporter.Import(models.Model("hardswish"));
        Assert.Equal([OpKind.HardSwish, OpKind.HardSigmoid, OpKind.Mul, OpKind.Add], graph.Nodes.Select(n => n.Op));
    }

    [Fact]
    public void Import_MatMulPlusConstantAdd_BecomesGemmWithBias()
    {
        using var graph = OnnxImporter.Import(models.Model("matmul_add"));
        Assert.Equal([OpKind.Gemm, OpKind.Relu, OpKind.Gemm], graph.Nodes.Select(n => n.Op));
        var first = graph.Nodes[0];
        Assert.Equal([5L, 8], graph.GetTensor(first.TensorName(TensorRole.Weight)!).Shape);
        Assert.NotNull(first.TensorName(TensorRole.Bias));
        // transB=0: the [5, 3] initializer is stored transposed, as nn.Linear's [out, in].
        Assert.Equal([3L, 5], graph.GetTensor(graph.Nodes[2].TensorName(TensorRole.Weight)!).Shape);
        Assert.Equal(5 * 8 + 5 + 3 * 5 + 3, graph.ParameterCount);
    }

    [Fact]
    public void Import_BiasSharedThroughIdentity_GivesEachConvItsOwnParameter()
    {
        using var graph = OnnxImporter.Import(models.Model("shared_bias"));
        Assert.Equal(["a.weight", "a.bias", "b.weight", "b.bias"], graph.Parameters.Select(p => p.Name));
        using (Libtorch.NoGrad())
        {
            graph.GetTensor("a.bias").Fill_(5);
        }

        Assert.NotEqual(5f, graph.GetTensor("b.bias").ToArray<float>()[0]);
    }

    [Fact]
    public void Import_Pools_ResolvesHarmlessAsymmetricPaddingAndKeepsPoolOptions()
    {
        using var graph = OnnxImporter.Import(models.Model("pools"));
        Assert.Equal(
            [new PoolAttributes(2, 2, 0, false, false), new PoolAttributes(3, 1, 1, false, false), new PoolAttributes(3, 2, 1, true, false)],
            graph.Nodes.Select(n => n.Attributes));
    }

    [Fact]
    public void Import_DropoutIdentityAndConstants_LeaveOnlyComputingNodes()
    {
        using var graph = OnnxImporter.Import(models.Model("misc"));
        Assert.Equal([OpKind.Dropout, OpKind.Sigmoid, OpKind.Mul], graph.Nodes.Select(n => n.Op));
        Assert.Equal(new DropoutAttributes(0.3), graph.Nodes[0].Attributes);
        Assert.Equal(["dropout", "act.sigmoid", "act.mul"], graph.Nodes.Select(n => n.Name));
    }

    [Fact]
    public void Import_DynamicHeightWidthWithInputShape_InfersForThatShapeAndMatches()
    {
        using var graph = OnnxImporter.Import(models.Model("dynamic_hw"), new OnnxImportOptions { InputShape = [1, 3, 8, 8] });
        Assert.Equal([1L, 3, 8, 8], graph.InputShape);
        Assert.Equal([1L, 4], graph.OutputShape);
        AssertForwardMatches(graph, "dynamic_hw");
    }

    [Theory]
    [InlineData("handbuilt", "handbuilt")]
    [InlineData("torch_jit", "my_transpose")]
    [InlineData("", "my_transpose")]
    public void Import_FromBytes_KeepsAGraphNameButNotAnExportersDefault(string graphName, string expected)
    {
        var proto = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(models.Model("transpose")));
        proto.Graph.Name = graphName;
        using var graph = OnnxImporter.Import(proto.ToByteArray(), "models/my_transpose.onnx");
        Assert.Equal(expected, graph.Name);
        Assert.Equal("x", graph.InputName);
    }

    [Fact]
    public void Import_ThenDispose_ReturnsLiveTensorsToBaseline()
    {
        var baseline = ProcessCounters.SettledLiveTensors();
        using (var graph = OnnxImporter.Import(models.Model("concat")))
        {
            Assert.True(Libtorch.LiveTensors > baseline);
        }

        Assert.Equal(baseline, Libtorch.LiveTensors); // no garbage collection: finalizers would hide a leak
    }

    private void AssertForwardMatches(ModelGraph graph, string name)
    {
        using var scope = DisposeScope.Enter();
        var expected = ImportSupport.Load(models.Expected(name));
        using var noGrad = Libtorch.NoGrad();
        ImportSupport.AssertOutputsMatch(expected["y"], graph.Forward(expected["x"]), name);
    }
}
