using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Onnx.Tests.Import;

/// <summary>
/// Models the importer must reject: each gives an <see cref="OnnxImportException"/> that names the file (and the
/// node, where one is to blame) and says what is wrong, and frees every tensor created before the failure.
/// </summary>
[Collection(HandBuiltCollection.Name)]
public sealed class BadInputTests(HandBuiltModels models)
{
    [Fact]
    public void Import_TruncatedFile_ThrowsNamingTheFile()
    {
        var bytes = File.ReadAllBytes(models.Model("concat"));
        var path = models.Scratch("truncated.onnx");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var e = Rejects(() => OnnxImporter.Import(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Null(e.NodeName);
    }

    [Fact]
    public void Import_RandomBytes_ThrowsNamingTheSource()
    {
        var bytes = new byte[4096];
        new Random(42).NextBytes(bytes);

        var e = Rejects(() => OnnxImporter.Import(bytes, "noise.bin"));
        Assert.StartsWith("noise.bin: ", e.Message);
    }

    [Fact]
    public void Import_TextFile_ThrowsNotAnOnnxModel()
    {
        var path = models.Scratch("notes.onnx");
        File.WriteAllText(path, "this is not a model\n");

        var e = Rejects(() => OnnxImporter.Import(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Import_MissingFile_ThrowsNamingTheFile()
    {
        var path = models.Scratch("absent.onnx");
        var e = Rejects(() => OnnxImporter.Import(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Import_UnknownOp_NamesOpNodeAndSupportedSet()
    {
        var e = Rejects(() => OnnxImporter.Import(models.Model("unknown_op")));
        Assert.Equal("my_einsum", e.NodeName);
        Assert.Equal("Einsum", e.OpType);
        Assert.Contains("unknown_op.onnx", e.Message);
        Assert.Contains("node 'my_einsum' (Einsum)", e.Message);
        Assert.Contains("'Einsum' (opset 13) is not supported", e.Message);
        Assert.Contains("Pad", e.Message);
        Assert.Contains("ReduceMean", e.Message);
        Assert.Contains("Supported ops: Add, AveragePool, BatchNormalization", e.Message);
        Assert.Contains("Conv", e.Message);
    }

    [Fact]
    public void Import_ErfOutsideGelu_IsRefusedNamingTheNodeAndThePatternItIsReadIn()
    {
        var e = Rejects(() => OnnxImporter.Import(models.Model("erf_alone")));
        Assert.Equal("my_erf", e.NodeName);
        Assert.Equal("Erf", e.OpType);
        Assert.Contains("node 'my_erf' (Erf)", e.Message);
        Assert.Contains("Erf is supported only inside GELU", e.Message);
    }

    [Theory]
    [InlineData("layer_norm_pow3", "'/norm/Pow' (Pow) raises x − mean to the constant 3, not 2")]
    [InlineData("layer_norm_over_width", "it normalises over the last axis of x, [1, 4, 5, 5]; only over the channels is supported")]
    [InlineData("layer_norm_weight_shape", "'/norm/Mul' (Mul) takes a constant of shape [4, 1] as the weight; the pattern's weight is a float constant of shape [4]")]
    public void Import_DecomposedLayerNormThatDiffers_IsRefusedAtItsStartSayingWhatDiffers(string model, string reason)
    {
        var e = Rejects(() => OnnxImporter.Import(models.Model(model)));
        Assert.Equal("/norm/ReduceMean", e.NodeName);
        Assert.Contains("node '/norm/ReduceMean' (ReduceMean): with '/norm/Sub' (Sub) it starts LayerNorm as PyTorch writes it below opset 17", e.Message);
        Assert.Contains(reason, e.Message);
        Assert.Contains("(opset 13)", e.Message);
    }

    [Fact]
    public void Import_PowOutsideLayerNorm_IsRefusedNamingTheNodeAndThePatternItIsReadIn()
    {
        var e = Rejects(() => OnnxImporter.Import(models.Model("pow_alone")));
        Assert.Equal("my_pow", e.NodeName);
        Assert.Contains("node 'my_pow' (Pow)", e.Message);
        Assert.Contains("Pow is supported only inside LayerNorm as PyTorch writes it below opset 17", e.Message);
    }

    [Fact]
    public void Import_CubicResize_IsRefusedNamingOpNodeOpsetAndTheSupportedModes()
    {
        var e = Rejects(() => OnnxImporter.Import(models.Model("resize_cubic")));
        Assert.Equal("Resize", e.OpType);
        Assert.Contains("node '/up/Resize' (Resize)", e.Message);
        Assert.Contains("(opset 13)", e.Message);
        Assert.Contains("mode 'linear' with 'half_pixel', 'pytorch_half_pixel' or 'align_corners'", e.Message);
    }

    [Fact]
    public void Import_Opset18_SaysWhichOpsetsAreRead()
    {
        var e = Rejects(() => OnnxImporter.Import(models.Model("opset18")));
        Assert.Contains("opset 18", e.Message);
        Assert.Contains("11–17", e.Message);
    }

    [Fact]
    public void Import_DynamicHeightAndWidthWithoutInputShape_AsksForInputShape()
    {
        var e = Rejects(() => OnnxImporter.Import(models.Model("dynamic_hw")));
        Assert.Contains("dynamic dimension 2 ('H')", e.Message);
        Assert.Contains("OnnxImportOptions.InputShape", e.Message);
    }

    [Fact]
    public void Import_InputShapeContradictingFixedDimension_Throws()
    {
        var e = Rejects(() => OnnxImporter.Import(models.Model("reshape_dynamic_13"), new OnnxImportOptions { InputShape = [1, 3, 5, 5] }));
        Assert.Contains("fixed dimension 1 = 4", e.Message);
    }

    [Theory]
    [InlineData("custom_domain", "custom_relu", "domain 'com.example'")]
    [InlineData("asymmetric_pads", "/conv2/Conv", "asymmetric padding along the height (0 before, 1 after)")]
    [InlineData("channel_mismatch", "/conv2/Conv", "input [1, 4, 8, 8] has 4 channels but weight [4, 5, 3, 3]")]
    [InlineData("mul_constant", "/scale/Mul", "multiplying an activation by a constant")]
    [InlineData("unsupported_attribute", "/Flatten", "attribute 'keepdims' of Flatten is not supported (supported: axis)")]
    [InlineData("hardsigmoid_default", "/act/HardSigmoid", "alpha=0.2, beta=0.5 is not supported")]
    [InlineData("pad_negative", "/pad/Pad", "negative pads [0, 0, -1, 0, 0, 0, 0, 0] (cropping) are not supported")]
    [InlineData("pad_reflect_too_far", "/pad/Pad", "reflect padding 8 before, 0 after dimension 2 of [1, 4, 8, 8] must each be below its extent 8")]
    [InlineData("reduce_mean_axis_twice", "/ReduceMean", "axes [2, -2] name a dimension twice")]
    [InlineData("resize_cubic", "/up/Resize", "mode 'cubic' with coordinate_transformation_mode 'half_pixel' is not supported; supported: mode 'nearest'")]
    [InlineData("resize_nearest_half_pixel", "/up/Resize", "mode 'nearest' with coordinate_transformation_mode 'half_pixel' and nearest_mode 'round_prefer_floor' is not supported")]
    [InlineData("resize_channels", "/up/Resize", "scales [1, 2, 2, 2] for input [1, 4, 8, 8] resize more than H and W")]
    [InlineData("resize_crop", "/up/Resize", "mode 'linear' with coordinate_transformation_mode 'tf_crop_and_resize' is not supported")]
    public void Import_UnsupportedNode_NamesNodeAndReason(string model, string node, string reason)
    {
        var e = Rejects(() => OnnxImporter.Import(models.Model(model)));
        Assert.Equal(node, e.NodeName);
        Assert.Contains($"{model}.onnx: node '{node}'", e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Theory]
    [InlineData("two_inputs", "the graph has 2 inputs ('x', 'z')")]
    [InlineData("output_twice", "the graph outputs 'y' and 'z' are the same value")]
    [InlineData("external_data", "initializer 'conv.weight' keeps its data in the external file 'weights.bin'")]
    public void Import_UnsupportedModel_SaysWhy(string model, string reason)
    {
        var e = Rejects(() => OnnxImporter.Import(models.Model(model)));
        Assert.Contains($"{model}.onnx: {reason}", e.Message);
    }

    /// <summary>Runs an import that must fail, checking that it leaves no native tensor behind.</summary>
    private static OnnxImportException Rejects(Func<IDisposable> import)
    {
        var baseline = ProcessCounters.SettledLiveTensors();
        var e = Assert.Throws<OnnxImportException>(() => import().Dispose());
        // Counted without collecting garbage: finalizers would free a forgotten tensor and hide the leak.
        Assert.Equal(baseline, Libtorch.LiveTensors);
        return e;
    }
}
