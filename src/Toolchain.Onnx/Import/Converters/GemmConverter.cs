using Onnx;
using Toolchain.Graph;
using Toolchain.Torch;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>
/// Gemm Y = α·A·B' + β·C with constant B and C: the IR's Gemm (nn.Linear). transB=0 weights are transposed to
/// [out, in]; α and β are folded into the weight and bias, so the function is unchanged.
/// </summary>
internal static class GemmConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "alpha", "beta", "transA", "transB");
        if (a.Int("transA", 0) != 0) throw new NotSupportedException("transA=1 is not supported; the input must be [batch, features]");
        var x = LinearLayer.Input(context, node);
        var b = context.Constant(node, 1, "weight B");
        if (b.Rank != 2) throw new InvalidDataException($"weight B has shape {Shapes.Format(b.Shape)}, expected 2-D");
        var transB = a.Int("transB", 0) != 0;
        var (outFeatures, inFeatures) = transB ? (b.Shape[0], b.Shape[1]) : (b.Shape[1], b.Shape[0]);
        var inputFeatures = context.ShapeOf(x)[1];
        if (inFeatures != inputFeatures)
        {
            throw new InvalidDataException($"input has {inputFeatures} features but weight B {Shapes.Format(b.Shape)} (transB={(transB ? 1 : 0)}) expects {inFeatures}");
        }

        var alpha = a.Float("alpha", 1);
        var beta = a.Float("beta", 1);
        Func<Tensor> weight = () => LinearLayer.Scaled(transB ? b.ToTensor() : LinearLayer.Transposed(b.ToTensor()), alpha);

        Func<Tensor>? bias = null;
        if (context.OptionalConstant(node, 2, "bias C") is { } c)
        {
            bias = c.Count == outFeatures && (c.Rank == 1 || c.Shape is [1, _])
                ? () => LinearLayer.Scaled(LinearLayer.Reshaped(c.ToTensor(), [outFeatures]), beta)
                : c.Count == 1
                    ? () => Tensor.Full([outFeatures], beta * c.ScalarValue("bias C"))
                    : throw new NotSupportedException($"bias C of shape {Shapes.Format(c.Shape)} is not supported; it must be [{outFeatures}], [1, {outFeatures}] or a scalar");
        }

        LinearLayer.Emit(context, node, x, outFeatures, weight, bias);
    }
}
