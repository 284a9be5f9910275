using Onnx;
using Toolchain.Graph;
using Toolchain.Torch;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>
/// What Gemm and MatMul share: a fully-connected layer (the IR's Gemm, weight [out, in] as nn.Linear) on a 2-D
/// activation, whose bias may come from an Add of a constant right after it (how MatMul-based exports write it).
/// </summary>
internal static class LinearLayer
{
    /// <param name="weight">Makes the [out, in] weight.</param>
    public static void Emit(ImportContext context, NodeProto node, string x, long outFeatures, Func<Tensor> weight, Func<Tensor>? bias)
    {
        var (output, tensors) = WeightsAndOutput(context, node, outFeatures, weight, bias);
        var result = context.Emit(context.NodeName(node), OpKind.Gemm, [x], NoAttributes.Instance, tensors);
        context.DefineActivation(output, result[0]);
    }

    /// <summary>
    /// A Linear layer on the channels-last view of <paramref name="nchw"/>: a 1×1 Conv with the [out, in, 1, 1]
    /// weight (and a following constant Add as its bias), its output again channels-last.
    /// </summary>
    public static void EmitChannelsLast(ImportContext context, NodeProto node, string nchw, long outFeatures, Func<Tensor> weight)
    {
        var (output, tensors) = WeightsAndOutput(context, node, outFeatures, weight, bias: null);
        var name = context.NodeName(node);
        var result = context.Emit(name, OpKind.Conv, [nchw], ConvAttributes.Square(1, 1, 0, 1, 1), tensors);
        context.DefineChannelsLast(output, result[0], $"{name}.nhwc");
    }

    /// <summary>
    /// The layer's tensors and output value: without a bias of its own, a following Add of a constant becomes the bias
    /// and the Add's output the layer's.
    /// </summary>
    private static (string Output, List<(TensorRole, Func<Tensor>)> Tensors) WeightsAndOutput(ImportContext context, NodeProto node, long outFeatures,
        Func<Tensor> weight, Func<Tensor>? bias)
    {
        var output = node.Output[0];
        if (bias is null && FoldableBias(context, node, outFeatures) is var (add, constant))
        {
            bias = () => Reshaped(constant.ToTensor(), [outFeatures]);
            context.MarkConsumed(add);
            output = add.Output[0];
        }

        var tensors = new List<(TensorRole, Func<Tensor>)> { (TensorRole.Weight, weight) };
        if (bias is not null) tensors.Add((TensorRole.Bias, bias));
        context.RequireUnusedOutputs(node, 1, "an optional output");
        return (output, tensors);
    }

    /// <summary>The activation input, which must be 2-D ([batch, features]).</summary>
    public static string Input(ImportContext context, NodeProto node)
    {
        var x = context.Activation(node, 0);
        var shape = context.ShapeOf(x);
        if (shape.Length != 2)
        {
            throw new NotSupportedException($"input {Shapes.Format(shape)} must be 2-D [batch, features]; flatten it first " +
                                            "(the IR's fully-connected layer takes 2-D inputs)");
        }

        return x;
    }

    /// <summary>Returns <paramref name="tensor"/> reshaped, disposing the original.</summary>
    public static Tensor Reshaped(Tensor tensor, long[] shape)
    {
        using (tensor)
        {
            return tensor.Reshape(shape);
        }
    }

    /// <summary>Multiplies by <paramref name="factor"/> (≠ 1), disposing the original.</summary>
    public static Tensor Scaled(Tensor tensor, double factor)
    {
        if (factor == 1) return tensor;
        using (tensor)
        {
            return tensor * factor;
        }
    }

    /// <summary>The [in, out] matrix as [out, in], disposing the original.</summary>
    public static Tensor Transposed(Tensor tensor)
    {
        using (tensor)
        using (var view = tensor.Transpose(0, 1))
        {
            return view.Contiguous();
        }
    }

    // The single consumer of the layer's output is Add(output, constant [out] or [1, out]).
    private static (NodeProto Add, ConstantValue Bias)? FoldableBias(ImportContext context, NodeProto node, long outFeatures)
    {
        var output = node.Output[0];
        if (context.IsGraphOutput(output) || context.Consumers(output) is not [{ OpType: "Add" } add] ||
            add.Domain is not ("" or "ai.onnx") || add.Input.Count != 2 || add.Attribute.Count != 0)
        {
            return null;
        }

        var other = add.Input[0] == output ? add.Input[1] : add.Input[0];
        if (other == output || !context.TryGetConstant(other, out var bias) || !bias.IsFloat) return null;
        var shapeFits = bias.Shape is [var n] && n == outFeatures || bias.Shape is [1, var m] && m == outFeatures;
        return shapeFits ? (add, bias) : null;
    }
}
