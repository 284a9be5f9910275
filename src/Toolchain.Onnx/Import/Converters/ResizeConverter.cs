using Onnx;
using Toolchain.Graph;

namespace Toolchain.Onnx.Import.Converters;

/// <summary>
/// Resize (opsets 11–17: inputs X, roi, scales, sizes) as PyTorch exports F.interpolate: nearest (asymmetric, floor)
/// and bilinear (linear with half_pixel, pytorch_half_pixel or align_corners) over H and W of an NCHW tensor. The
/// scales or sizes must be known at import time: a constant, or a Shape→Slice→Concat chain over static shapes (a
/// segmentation head's "to the input size") folds to one; batch and channels must keep their extent. Everything
/// else (cubic, other coordinate or rounding modes, tf_crop_and_resize's roi, 3-D or 5-D resizing) is refused
/// naming what is supported.
/// </summary>
internal static class ResizeConverter
{
    private const string Supported = "supported: mode 'nearest' with coordinate_transformation_mode 'asymmetric' and nearest_mode 'floor' " +
                                     "(F.interpolate mode='nearest'), mode 'linear' with 'half_pixel', 'pytorch_half_pixel' or 'align_corners' " +
                                     "(mode='bilinear', align_corners False or True), over H and W of a 4-D NCHW tensor";

    public static void Convert(ImportContext context, NodeProto node)
    {
        var a = new NodeAttributes(node, "mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside", "extrapolation_value");
        var x = context.Activation(node, 0);
        var input = context.ShapeOf(x);
        if (input.Length != 4)
        {
            throw new NotSupportedException($"it resizes a rank-{input.Length} tensor {Shapes.Format(input)}; {Supported}");
        }

        var mode = a.String("mode") ?? "nearest";
        var coordinates = a.String("coordinate_transformation_mode") ?? "half_pixel";
        var rounding = a.String("nearest_mode") ?? "round_prefer_floor";
        if (a.Int("exclude_outside", 0) != 0) throw new NotSupportedException($"exclude_outside=1 (cubic weights) is not supported; {Supported}");

        var (size, scales) = OutputOf(context, node, input);
        var output = size ?? ((long)Math.Floor(input[2] * scales!.Value.H), (long)Math.Floor(input[3] * scales!.Value.W));
        var attributes = (mode, coordinates) switch
        {
            ("nearest", "asymmetric") when rounding == "floor" => new ResizeAttributes(ResizeMode.Nearest, false, size, scales),
            ("linear", "half_pixel") => new ResizeAttributes(ResizeMode.Bilinear, false, size, scales),
            // pytorch_half_pixel samples position 0 where an output extent is 1 (half_pixel, and PyTorch, the centre).
            ("linear", "pytorch_half_pixel") when output.H > 1 && output.W > 1 => new ResizeAttributes(ResizeMode.Bilinear, false, size, scales),
            ("linear", "pytorch_half_pixel") => throw new NotSupportedException(
                $"coordinate_transformation_mode 'pytorch_half_pixel' to an output of extent 1 ({output.H}x{output.W}) samples the first pixel, " +
                $"which F.interpolate does not; {Supported}"),
            ("linear", "align_corners") => new ResizeAttributes(ResizeMode.Bilinear, true, size, scales),
            _ => throw new NotSupportedException(
                $"mode '{mode}' with coordinate_transformation_mode '{coordinates}'{(mode == "nearest" ? $" and nearest_mode '{rounding}'" : "")} is not supported; {Supported}"),
        };
        context.EmitSingle(node, OpKind.Resize, [x], attributes);
    }

    /// <summary>The fixed output size (from 'sizes') or the spatial scale factors (from 'scales'); exactly one is given.</summary>
    private static ((long H, long W)? Size, (double H, double W)? Scales) OutputOf(ImportContext context, NodeProto node, long[] input)
    {
        // Opset 11 writes an empty 'scales' when it gives 'sizes'; opset 13 leaves the input out.
        var scales = context.OptionalConstant(node, 2, "scales") is { Count: > 0 } s ? s.ToDoubles() : null;
        var sizes = context.OptionalConstant(node, 3, "sizes")?.ToLongs("sizes");
        if (scales is not null == sizes is not null)
        {
            throw new InvalidDataException(scales is null ? "it gives neither scales nor sizes" : "it gives both scales and sizes; ONNX allows exactly one");
        }

        if (sizes is not null)
        {
            if (sizes.Length != 4 || sizes[0] != input[0] || sizes[1] != input[1])
            {
                throw new NotSupportedException($"sizes [{string.Join(", ", sizes)}] for input {Shapes.Format(input)} resize more than H and W; {Supported}");
            }

            return ((sizes[2], sizes[3]), null);
        }

        if (scales!.Length != 4 || scales[0] != 1 || scales[1] != 1)
        {
            throw new NotSupportedException($"scales [{string.Join(", ", scales)}] for input {Shapes.Format(input)} resize more than H and W; {Supported}");
        }

        return (null, (scales[2], scales[3]));
    }
}
