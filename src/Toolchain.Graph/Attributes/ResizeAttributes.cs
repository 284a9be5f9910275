namespace Toolchain.Graph;

/// <summary>How <see cref="OpKind.Resize"/> reads the input at an output position (F.interpolate's modes that PyTorch exports).</summary>
public enum ResizeMode
{
    /// <summary>PyTorch's 'nearest': source index floor(dst / scale) (ONNX: nearest, asymmetric, floor).</summary>
    Nearest,

    /// <summary>
    /// PyTorch's 'bilinear': source coordinate (dst + 0.5) / scale − 0.5 clamped at 0 (ONNX: linear, half_pixel), or
    /// with <see cref="ResizeAttributes.AlignCorners"/> dst · (in − 1) / (out − 1) (ONNX: linear, align_corners).
    /// </summary>
    Bilinear,
}

/// <summary>
/// Resize of the spatial dimensions (H, W) of an NCHW tensor, channel by channel. The output extent is either fixed
/// (<see cref="Size"/>: F.interpolate(size=…), a segmentation head upsampling to the input size) or the input's times
/// <see cref="Scales"/>, floored (F.interpolate(scale_factor=…)); exactly one is given. With scales the coordinate
/// mapping divides by the scale, as PyTorch and ONNX Runtime do, which differs from in / out when the product is not
/// whole.
/// </summary>
public sealed record ResizeAttributes(ResizeMode Mode, bool AlignCorners = false, (long H, long W)? Size = null, (double H, double W)? Scales = null) : OpAttributes
{
    /// <summary>The largest output extent: far beyond any real feature map, small enough that no index arithmetic overflows.</summary>
    public const long MaxExtent = 1 << 20;

    /// <summary>The output extent (H, W) for an input of extent <paramref name="h"/> × <paramref name="w"/>.</summary>
    public (long H, long W) OutputSize(long h, long w) =>
        Size ?? ((long)Math.Floor(h * Scales!.Value.H), (long)Math.Floor(w * Scales!.Value.W));

    public override string? Invalid()
    {
        if (Size is null == Scales is null) return "a Resize needs exactly one of an output size and scale factors";
        if (Mode == ResizeMode.Nearest && AlignCorners) return "align_corners applies to bilinear resizing only";
        if (Size is { } s && (s.H < 1 || s.W < 1 || s.H > MaxExtent || s.W > MaxExtent)) return $"output size {s} must lie in [1, {MaxExtent}]";
        if (Scales is { } f && !(Valid(f.H) && Valid(f.W))) return $"scale factors {f} must be finite and in (0, {MaxExtent}]";
        return null;

        static bool Valid(double scale) => double.IsFinite(scale) && scale > 0 && scale <= MaxExtent;
    }
}
