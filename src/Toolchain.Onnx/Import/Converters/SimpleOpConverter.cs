using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>One-input ops without attributes that map one to one: Relu, Sigmoid, HardSwish, GlobalAveragePool.</summary>
internal static class SimpleOpConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        _ = new NodeAttributes(node);
        var op = node.OpType switch
        {
            "Relu" => OpKind.Relu,
            "Sigmoid" => OpKind.Sigmoid,
            "HardSwish" => OpKind.HardSwish,
            "GlobalAveragePool" => OpKind.GlobalAveragePool,
            _ => throw new InvalidOperationException($"{node.OpType} is not a simple op"),
        };
        context.EmitSingle(node, op, [context.Activation(node, 0)], NoAttributes.Instance);
    }
}
