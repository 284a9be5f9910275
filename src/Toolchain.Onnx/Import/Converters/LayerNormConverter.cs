using Onnx;
using Toolchain.Graph;
using Toolchain.Torch;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>
/// LayerNormalization (opset 17) over the channels: over the last axis of a channels-last value (ConvNeXt's
/// LayerNorm, which PyTorch writes as Transpose to NHWC, LayerNormalization, Transpose back) or of a [N, C] value.
/// Over any other set of dimensions it is refused.
/// </summary>
internal static class LayerNormConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "axis", "epsilon", "stash_type");
        var axis = a.Int("axis", -1);
        var epsilon = a.Float("epsilon", 1e-5);
        context.RequireUnusedOutputs(node, 1, "the mean and inverse standard deviation");
        var channelsLast = context.TryGetChannelsLast(node.Input[0], out var nchw);
        var x = channelsLast ? nchw : context.Activation(node, 0);
        var shape = context.ShapeOf(x);
        var lastAxis = channelsLast || shape.Length == 2;
        if (!lastAxis || axis is not (-1) && axis != (channelsLast ? 3 : 1))
        {
            throw new NotSupportedException($"normalising input {Shapes.Format(channelsLast ? [shape[0], shape[2], shape[3], shape[1]] : shape)} over axis {axis} and after is not supported; " +
                                            "only over the channels is (the last axis of a [N, C] value, or of a channels-last value transposed from NCHW by perm [0, 2, 3, 1])");
        }

        var channels = shape[1];
        var scale = context.Constant(node, 1, "scale");
        if (scale.Count != channels) throw new InvalidDataException($"scale has shape {Shapes.Format(scale.Shape)}, expected [{channels}]");
        var bias = context.OptionalConstant(node, 2, "B");
        if (bias is not null && bias.Count != channels) throw new InvalidDataException($"B has shape {Shapes.Format(bias.Shape)}, expected [{channels}]");
        var name = context.NodeName(node);
        var result = context.Emit(name, OpKind.LayerNorm, [x], new LayerNormAttributes(epsilon),
        [
            (TensorRole.Weight, () => LinearLayer.Reshaped(scale.ToTensor(), [channels])),
            (TensorRole.Bias, () => bias is null ? Tensor.Zeros([channels]) : LinearLayer.Reshaped(bias.ToTensor(), [channels])),
        ]);
        if (channelsLast) context.DefineChannelsLast(node.Output[0], result[0], $"{name}.nhwc");
        else context.DefineActivation(node.Output[0], result[0]);
    }
}
