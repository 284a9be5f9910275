using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>2-D Conv with a constant weight and optional constant bias; both become trainable parameters.</summary>
internal static class ConvConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "auto_pad", "dilations", "group", "kernel_shape", "pads", "strides");
        var x = context.Activation(node, 0);
        var input = context.ShapeOf(x);
        var weight = context.Constant(node, 1, "weight");
        var bias = context.OptionalConstant(node, 2, "bias");
        if (weight.Rank != 4 || input.Length != 4)
        {
            throw new NotSupportedException($"only 2-D convolution is supported: input {Shapes.Format(input)}, weight {Shapes.Format(weight.Shape)}");
        }

        var w = weight.Shape;
        if (a.Ints("kernel_shape") is { } kernelShape && !kernelShape.SequenceEqual(w[2..]))
        {
            throw new InvalidDataException($"kernel_shape [{string.Join(", ", kernelShape)}] disagrees with weight {Shapes.Format(w)}");
        }

        if (bias is not null && (bias.Rank != 1 || bias.Count != w[0]))
        {
            throw new InvalidDataException($"bias {Shapes.Format(bias.Shape)} does not match the {w[0]} output channels of weight {Shapes.Format(w)}");
        }

        var kernel = ((int)w[2], (int)w[3]);
        var stride = Pair(a.Ints("strides"), "strides");
        var dilation = Pair(a.Ints("dilations"), "dilations");
        var padding = Padding.Symmetric(a, input, kernel, stride, dilation, ceilMode: false);
        var attributes = new ConvAttributes(kernel, stride, padding, dilation, checked((int)a.Int("group", 1)));

        var tensors = new List<(TensorRole, Func<Toolchain.Torch.Tensor>)> { (TensorRole.Weight, weight.ToTensor) };
        if (bias is not null) tensors.Add((TensorRole.Bias, bias.ToTensor));
        context.EmitSingle(node, OpKind.Conv, [x], attributes, tensors);
    }

    /// <summary>A per-axis (H, W) attribute; absent means 1. How large a window may be is the graph's rule (<see cref="OpAttributes.Invalid"/>).</summary>
    internal static (int H, int W) Pair(long[]? values, string name) => values switch
    {
        null => (1, 1),
        [var h, var w] when h is >= 1 and <= int.MaxValue && w is >= 1 and <= int.MaxValue => ((int)h, (int)w),
        _ => throw new InvalidDataException($"{name} [{string.Join(", ", values)}] must be two positive values for a 2-D window"),
    };
}
