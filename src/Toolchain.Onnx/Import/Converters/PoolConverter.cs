using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>MaxPool and AveragePool with a square window, stride and padding (the IR's pooling is square).</summary>
internal static class PoolConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var isMax = node.OpType == "MaxPool";
        var a = isMax
            ? new NodeAttributes(node, "auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides")
            : new NodeAttributes(node, "auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides");
        if (isMax) context.RequireUnusedOutputs(node, 1, "the indices");
        var x = context.Activation(node, 0);
        var input = context.ShapeOf(x);
        if (input.Length != 4) throw new NotSupportedException($"only 2-D pooling is supported, input is {Shapes.Format(input)}");

        var kernel = ConvConverter.Pair(a.Ints("kernel_shape") ?? throw new InvalidDataException("kernel_shape is required"), "kernel_shape");
        var stride = ConvConverter.Pair(a.Ints("strides"), "strides");
        if (ConvConverter.Pair(a.Ints("dilations"), "dilations") != (1, 1))
        {
            throw new NotSupportedException($"dilations [{string.Join(", ", a.Ints("dilations")!)}] are not supported; pooling windows must be dense");
        }

        var ceilMode = a.Int("ceil_mode", 0) != 0;
        var padding = Padding.Symmetric(a, input, kernel, stride, (1, 1), ceilMode);
        if (kernel.H != kernel.W || stride.H != stride.W || padding.H != padding.W)
        {
            throw new NotSupportedException($"kernel {kernel}, stride {stride}, padding {padding}: only square pooling is supported");
        }

        // ONNX's count_include_pad defaults to 0, PyTorch's to True; exports of nn.AvgPool2d write it.
        var attributes = new PoolAttributes(kernel.H, stride.H, padding.H, ceilMode, CountIncludePad: a.Int("count_include_pad", 0) != 0);
        context.EmitSingle(node, isMax ? OpKind.MaxPool : OpKind.AveragePool, [x], attributes);
    }
}
