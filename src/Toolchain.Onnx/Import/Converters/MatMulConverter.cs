using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>
/// MatMul of a 2-D activation by a constant [in, out] matrix: the IR's Gemm with the weight transposed to
/// [out, in]; a following Add of a constant [out] becomes its bias.
/// </summary>
internal static class MatMulConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        _ = new NodeAttributes(node);
        if (!context.IsConstantInput(node, 1))
        {
            _ = context.Activation(node, 1);
            throw new NotSupportedException("MatMul is supported only with a constant second input (a weight matrix)");
        }

        if (context.TryGetChannelsLast(node.Input[0], out var nchw))
        {
            // nn.Linear on an NHWC value (ConvNeXt's pointwise layers): a 1×1 convolution of the NCHW value.
            var w = context.Constant(node, 1, "weight");
            var channels = context.ShapeOf(nchw)[1];
            if (w.Rank != 2 || w.Shape[0] != channels)
            {
                throw new NotSupportedException($"weight has shape {Shapes.Format(w.Shape)}; on a channels-last input of {channels} channels only a [{channels}, out] weight is supported");
            }

            LinearLayer.EmitChannelsLast(context, node, nchw, w.Shape[1], () => LinearLayer.Reshaped(LinearLayer.Transposed(w.ToTensor()), [w.Shape[1], channels, 1, 1]));
            return;
        }

        var x = LinearLayer.Input(context, node);
        var b = context.Constant(node, 1, "weight");
        if (b.Rank != 2) throw new NotSupportedException($"weight has shape {Shapes.Format(b.Shape)}; only a 2-D [in, out] weight is supported");
        var inputFeatures = context.ShapeOf(x)[1];
        if (b.Shape[0] != inputFeatures)
        {
            throw new InvalidDataException($"input has {inputFeatures} features but weight {Shapes.Format(b.Shape)} expects {b.Shape[0]}");
        }

        LinearLayer.Emit(context, node, x, b.Shape[1], () => LinearLayer.Transposed(b.ToTensor()), null);
    }
}
