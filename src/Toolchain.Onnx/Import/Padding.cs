using Toolchain.Graph;

namespace Toolchain.Onnx.Import;

/// <summary>
/// ONNX padding (pads = [top, left, bottom, right], or auto_pad) as the IR's symmetric padding. Asymmetric
/// padding is accepted when it cannot matter: the windows with symmetric padding = the leading pads are the same
/// windows (same count, same positions) and never read the padding the two differ in.
/// </summary>
internal static class Padding
{
    /// <summary>The symmetric (H, W) padding, or an error that says why there is none.</summary>
    public static (int H, int W) Symmetric(NodeAttributes attributes, long[] input, (int H, int W) kernel, (int H, int W) stride,
        (int H, int W) dilation, bool ceilMode)
    {
        var autoPad = attributes.String("auto_pad") ?? "NOTSET";
        long[] begin, end;
        switch (autoPad)
        {
            case "NOTSET":
            {
                var pads = attributes.Ints("pads") ?? [0, 0, 0, 0];
                if (pads.Length != 4) throw new InvalidDataException($"pads [{string.Join(", ", pads)}] must have 4 values for a 2-D window");
                if (pads.Any(p => p < 0)) throw new NotSupportedException($"negative pads [{string.Join(", ", pads)}] (cropping) are not supported");
                begin = [pads[0], pads[1]];
                end = [pads[2], pads[3]];
                break;
            }

            case "VALID":
                begin = [0, 0];
                end = [0, 0];
                break;

            case "SAME_UPPER" or "SAME_LOWER":
            {
                // Output = ceil(input / stride); the total padding that needs is split, the odd pixel going last
                // (SAME_UPPER) or first (SAME_LOWER).
                begin = new long[2];
                end = new long[2];
                int[] k = [kernel.H, kernel.W], s = [stride.H, stride.W], d = [dilation.H, dilation.W];
                for (var i = 0; i < 2; i++)
                {
                    var size = input[2 + i];
                    var output = (size + s[i] - 1) / s[i];
                    var total = Math.Max(0, (output - 1) * s[i] + (long)(k[i] - 1) * d[i] + 1 - size);
                    begin[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
                    end[i] = total - begin[i];
                }

                break;
            }

            default:
                throw new NotSupportedException($"auto_pad '{autoPad}' is not supported (NOTSET, VALID, SAME_UPPER, SAME_LOWER are)");
        }

        return (Axis(0, "height"), Axis(1, "width"));

        int Axis(int i, string name)
        {
            if (begin[i] == end[i]) return checked((int)begin[i]);
            var size = input[2 + i];
            var k = i == 0 ? kernel.H : kernel.W;
            var s = i == 0 ? stride.H : stride.W;
            var d = i == 0 ? dilation.H : dilation.W;
            var symmetric = ShapeInference.ConvOut(size, k, s, checked((int)begin[i]), d, ceilMode);
            var span = size + begin[i] + end[i] - (long)d * (k - 1) - 1;
            var asymmetric = span < 0 ? 0 : span / s + 1;
            if (!ceilMode && symmetric == asymmetric) return checked((int)begin[i]);
            throw new NotSupportedException(
                $"asymmetric padding along the {name} ({begin[i]} before, {end[i]} after{(autoPad == "NOTSET" ? "" : $", from auto_pad {autoPad}")}) " +
                $"changes the output for input {Shapes.Format(input)}; the IR pads both sides equally. Re-export with symmetric padding " +
                "or pad explicitly before this node");
        }
    }
}
