using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>
/// Slice with constant starts/ends/axes/steps inputs. The IR slices one axis per node, so a Slice over several
/// axes becomes a chain (axes taken whole are skipped). Constant data (a shape vector) is sliced at import time.
/// </summary>
internal static class SliceConverter
{
    public static void Convert(ImportContext context, NodeProto node)
    {
        _ = new NodeAttributes(node);
        var starts = context.Constant(node, 1, "starts").ToLongs("starts");
        var ends = context.Constant(node, 2, "ends").ToLongs("ends");
        var axes = context.OptionalConstant(node, 3, "axes")?.ToLongs("axes") ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        var steps = context.OptionalConstant(node, 4, "steps")?.ToLongs("steps") ?? Enumerable.Repeat(1L, starts.Length).ToArray();
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
        {
            throw new InvalidDataException($"starts, ends, axes and steps have {starts.Length}, {ends.Length}, {axes.Length} and {steps.Length} values; they must agree");
        }

        if (steps.Any(s => s < 1)) throw new NotSupportedException($"steps [{string.Join(", ", steps)}] must be positive; reversing slices are not supported");

        if (context.IsConstantInput(node, 0))
        {
            var data = context.Constant(node, 0, "data");
            var indices = data.Shape.Select(d => Enumerable.Range(0, (int)d).Select(i => (long)i).ToArray()).ToArray();
            for (var i = 0; i < starts.Length; i++)
            {
                var axis = ConstantOps.Axis(axes[i], data.Rank);
                var (start, end) = ShapeInference.SliceBounds(new SliceAttributes(axis, starts[i], ends[i], steps[i]), data.Shape[axis]);
                indices[axis] = Range(start, end, steps[i]);
            }

            context.DefineConstant(node.Output[0], ConstantOps.Take(data, indices));
            return;
        }

        var value = context.Activation(node, 0);
        string? name = null;
        for (var i = 0; i < starts.Length; i++)
        {
            var shape = context.ShapeOf(value);
            var attributes = new SliceAttributes(ConstantOps.Axis(axes[i], shape.Length), starts[i], ends[i], steps[i]);
            if (WholeAxis(attributes, shape[attributes.Axis])) continue;
            name = name is null ? context.NodeName(node) : context.UniqueName(name);
            value = context.Emit(name, OpKind.Slice, [value], attributes)[0];
        }

        context.DefineActivation(node.Output[0], value);
    }

    // Exporters slice every axis, most of them whole; those need no node. The batch (axis 0) is dynamic, so
    // there only "from 0 to the end" is whole for every batch size.
    private static bool WholeAxis(SliceAttributes a, long size) => a.Step == 1 && (a.Axis == 0
        ? a.Start == 0 && a.End >= int.MaxValue
        : ShapeInference.SliceBounds(a, size) == (0, size));

    private static long[] Range(long start, long end, long step)
    {
        var result = new List<long>();
        for (var i = start; i < end; i += step) result.Add(i);
        return result.ToArray();
    }
}
