using Onnx;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>Turns one ONNX node into graph nodes and/or folded constants, binding its outputs in the context.</summary>
internal delegate void OpConverter(ImportContext context, NodeProto node);

/// <summary>The default-domain ONNX ops the importer reads, each with its converter.</summary>
internal static class OpConverters
{
    public static IReadOnlyDictionary<string, OpConverter> Table { get; } = new Dictionary<string, OpConverter>(StringComparer.Ordinal)
    {
        ["Add"] = ElementwiseConverter.Convert,
        ["AveragePool"] = PoolConverter.Convert,
        ["BatchNormalization"] = BatchNormConverter.Convert,
        ["Cast"] = CastConverter.Convert,
        ["Clip"] = ClipConverter.Convert,
        ["Concat"] = ConcatConverter.Convert,
        ["Constant"] = ConstantConverter.Convert,
        ["Conv"] = ConvConverter.Convert,
        ["Div"] = ElementwiseConverter.Convert,
        ["Dropout"] = DropoutConverter.Convert,
        ["Erf"] = GeluConverter.RefuseErf,
        ["Flatten"] = FlattenConverter.Convert,
        ["Gather"] = GatherConverter.Convert,
        ["Gelu"] = GeluConverter.Convert,
        ["Gemm"] = GemmConverter.Convert,
        ["GlobalAveragePool"] = SimpleOpConverter.Convert,
        ["HardSigmoid"] = HardSigmoidConverter.Convert,
        ["HardSwish"] = SimpleOpConverter.Convert,
        ["Identity"] = IdentityConverter.Convert,
        ["LayerNormalization"] = LayerNormConverter.Convert,
        ["MatMul"] = MatMulConverter.Convert,
        ["MaxPool"] = PoolConverter.Convert,
        ["Mul"] = ElementwiseConverter.Convert,
        ["Pad"] = PadConverter.Convert,
        ["Pow"] = DecomposedLayerNorm.RefuseOutsidePattern,
        ["ReduceMean"] = ReduceMeanConverter.Convert,
        ["Relu"] = SimpleOpConverter.Convert,
        ["Reshape"] = ReshapeConverter.Convert,
        ["Resize"] = ResizeConverter.Convert,
        ["Shape"] = ShapeConverter.Convert,
        ["Sigmoid"] = SimpleOpConverter.Convert,
        ["Slice"] = SliceConverter.Convert,
        ["Split"] = SplitConverter.Convert,
        ["Sqrt"] = DecomposedLayerNorm.RefuseOutsidePattern,
        ["Squeeze"] = SqueezeUnsqueezeConverter.Convert,
        ["Sub"] = ElementwiseConverter.Convert,
        ["Transpose"] = TransposeConverter.Convert,
        ["Unsqueeze"] = SqueezeUnsqueezeConverter.Convert,
    };

    /// <summary>The supported op types, sorted, for error messages.</summary>
    public static string SupportedList => string.Join(", ", Table.Keys.Order(StringComparer.Ordinal));
}
