using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>
/// Split of an activation. The sizes come from the 'split' attribute (opset ≤ 12), the 'split' input (opset ≥ 13),
/// or, when neither is given, equal parts, one per output.
/// </summary>
internal static class SplitConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "axis", "split");
        var x = context.Activation(node, 0);
        var shape = context.ShapeOf(x);
        var axis = ConstantOps.Axis(a.Int("axis", 0), shape.Length);
        var outputs = node.Output.Count;
        var sizes = a.Ints("split") ?? context.OptionalConstant(node, 1, "split")?.ToLongs("split");
        if (sizes is null)
        {
            if (outputs == 0 || shape[axis] % outputs != 0)
            {
                throw new InvalidDataException($"dimension {axis} of input {Shapes.Format(shape)} does not split into {outputs} equal parts");
            }

            sizes = Enumerable.Repeat(shape[axis] / outputs, outputs).ToArray();
        }

        if (sizes.Length != outputs)
        {
            throw new InvalidDataException($"split [{string.Join(", ", sizes)}] has {sizes.Length} sizes for {outputs} outputs");
        }

        var results = context.Emit(context.NodeName(node), OpKind.Split, [x], new SplitAttributes(axis, sizes));
        for (var i = 0; i < outputs; i++)
        {
            if (node.Output[i].Length > 0) context.DefineActivation(node.Output[i], results[i]);
        }
    }
}
