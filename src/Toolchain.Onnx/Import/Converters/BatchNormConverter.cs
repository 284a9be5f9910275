using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>
/// BatchNormalization with constant scale, shift and running statistics: scale/shift become parameters, the
/// statistics buffers. ONNX's momentum weighs the old running value (0.9), PyTorch's the new one (0.1).
/// The graph's Training flag decides between batch and running statistics, so training_mode is accepted either way
/// (exports made in training mode carry the statistics as extra outputs, which must be unused).
/// </summary>
internal static class BatchNormConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "epsilon", "momentum", "training_mode");
        context.RequireUnusedOutputs(node, 1, "running or saved statistics");
        var x = context.Activation(node, 0);
        var input = context.ShapeOf(x);
        if (input.Length < 2) throw new InvalidDataException($"input {Shapes.Format(input)} has no channel dimension");
        var channels = input[1];
        var roles = new[] { (TensorRole.Weight, "scale"), (TensorRole.Bias, "B"), (TensorRole.RunningMean, "input_mean"), (TensorRole.RunningVar, "input_var") };
        var tensors = new List<(TensorRole, Func<Toolchain.Torch.Tensor>)>();
        for (var i = 0; i < roles.Length; i++)
        {
            var (role, onnxName) = roles[i];
            var value = context.Constant(node, i + 1, onnxName);
            if (value.Count != channels || value.Rank != 1)
            {
                throw new InvalidDataException($"{onnxName} has shape {Shapes.Format(value.Shape)}, expected [{channels}] for input {Shapes.Format(input)}");
            }

            tensors.Add((role, value.ToTensor));
        }

        var epsilon = a.Float("epsilon", 1e-5);
        // 1 − 0.9 is 0.09999999999999998 in doubles; round through float to the value PyTorch was given (0.1).
        var momentum = NodeAttributes.Decimal((float)(1 - a.Float("momentum", 0.9)));
        context.EmitSingle(node, OpKind.BatchNorm, [x], new BatchNormAttributes(epsilon, momentum), tensors);
    }
}
