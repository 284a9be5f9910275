using Onnx;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>A Constant node becomes a folded constant (never a graph node).</summary>
internal static class ConstantConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "value", "value_float", "value_floats", "value_int", "value_ints");
        if (node.Attribute.Count != 1) throw new InvalidDataException($"Constant needs exactly one value attribute, it has {node.Attribute.Count}");
        ConstantValue value;
        if (a.Tensor("value") is { } tensor) value = TensorDecoder.Decode(tensor, "its value");
        else if (a.Has("value_float")) value = ConstantValue.FromFloats([(float)a.Float("value_float", 0)], []);
        else if (a.Floats("value_floats") is { } floats) value = ConstantValue.FromFloats(floats.Select(f => (float)f).ToArray(), [floats.Length]);
        else if (a.Has("value_int")) value = ConstantValue.Scalar(a.Int("value_int", 0));
        else if (a.Ints("value_ints") is { } ints) value = ConstantValue.FromInts(ints, [ints.Length]);
        else throw new InvalidDataException("Constant has no value");
        context.DefineConstant(node.Output[0], value);
    }
}
