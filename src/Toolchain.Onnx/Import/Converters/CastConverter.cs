using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>Cast of constants (shape arithmetic); on activations only the no-op cast to float is accepted.</summary>
internal static class CastConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "to");
        var to = (DataType)a.Int("to", 0);
        var toFloat = to is DataType.Float or DataType.Double or DataType.Float16 or DataType.Bfloat16;
        var toInteger = to is DataType.Int64 or DataType.Int32 or DataType.Int16 or DataType.Int8 or DataType.Uint8 or DataType.Uint16
            or DataType.Uint32 or DataType.Uint64 or DataType.Bool;
        if (!toFloat && !toInteger) throw new NotSupportedException($"cast to {to} is not supported");

        if (!context.IsConstantInput(node, 0))
        {
            var x = context.Activation(node, 0);
            if (to != DataType.Float) throw new NotSupportedException($"casting an activation to {to} is not supported; the graph computes in float32");
            context.DefineActivation(node.Output[0], x);
            return;
        }

        var data = context.Constant(node, 0, "input");
        ConstantValue result;
        if (toFloat)
        {
            result = data.IsFloat ? data : ConstantValue.FromFloats(data.ToDoubles().Select(v => (float)v).ToArray(), data.Shape);
        }
        else if (to == DataType.Bool)
        {
            result = ConstantValue.FromInts(data.ToDoubles().Select(v => v != 0 ? 1L : 0L).ToArray(), data.Shape);
        }
        else
        {
            result = data.IsFloat ? ConstantValue.FromInts(data.ToDoubles().Select(v => (long)Math.Truncate(v)).ToArray(), data.Shape) : data;
        }

        context.DefineConstant(node.Output[0], result);
    }
}
