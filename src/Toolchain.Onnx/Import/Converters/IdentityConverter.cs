using Onnx;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>Identity only renames: its output is bound to the same activation or constant, no node is added.</summary>
internal static class IdentityConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        _ = new NodeAttributes(node);
        if (context.IsConstantInput(node, 0))
        {
            context.DefineConstant(node.Output[0], context.Constant(node, 0, "input"));
        }
        else
        {
            context.DefineActivation(node.Output[0], context.Activation(node, 0));
        }
    }
}
