using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Toolchain.Graph;

namespace Toolchain.Profiling;

/// <summary>
/// What a layer's latency depends on besides its widths: the op and its hyper-parameters, the input's spatial size,
/// and the ops fused into it as deployed (a folded BatchNorm, a residual Add, an activation). Layers with equal
/// <see cref="Key"/>s share one latency table, so a ResNet-56 with 57 convolutions needs about ten. The widths
/// (<see cref="AxisNames"/>) are the table's axes; batch and precision belong to the whole profile.
/// </summary>
public sealed record LayerConfig
{
    /// <summary>The first op of the layer: Conv or Gemm (with what follows fused), or a standalone op.</summary>
    public required OpKind Op { get; init; }

    /// <summary>Conv/pool window [kh, kw]; empty for other ops.</summary>
    public int[] Kernel { get; init; } = [];

    public int[] Stride { get; init; } = [];

    public int[] Padding { get; init; } = [];

    public int[] Dilation { get; init; } = [];

    /// <summary>0 for a dense convolution; m ≥ 1 for a depthwise one with m filters per input channel.</summary>
    public int Depthwise { get; init; }

    /// <summary>Pools only.</summary>
    public bool CeilMode { get; init; }

    /// <summary>Average pools only.</summary>
    public bool CountIncludePad { get; init; }

    /// <summary>Resize only: the output's spatial size [H, W] (null for every other op, and then not written).</summary>
    public long[]? ResizeTo { get; init; }

    /// <summary>Resize only: "nearest", "bilinear" or "bilinear-align-corners" (null for every other op).</summary>
    public string? Interpolation { get; init; }

    /// <summary>The <see cref="Interpolation"/> names of the resize modes.</summary>
    public static string InterpolationOf(ResizeAttributes a) => a.Mode switch
    {
        ResizeMode.Nearest => "nearest",
        ResizeMode.Bilinear => a.AlignCorners ? "bilinear-align-corners" : "bilinear",
    };

    /// <summary>Spatial size of the input [H, W] (empty for a Gemm, whose input is [N, features]).</summary>
    public long[] InputSize { get; init; } = [];

    /// <summary>
    /// The layer reads the model's input (kept in the plain NCHW layout by ONNX Runtime, which times differently from
    /// a value another layer wrote).
    /// </summary>
    public bool ReadsGraphInput { get; init; }

    /// <summary>A BatchNorm follows the conv (folded into it when deployed on ONNX Runtime).</summary>
    public bool BatchNorm { get; init; }

    /// <summary>The output is added to another value (a residual connection), fused into the conv when deployed.</summary>
    public bool Residual { get; init; }

    /// <summary>The activation applied last, fused into the layer when deployed; null when none.</summary>
    public OpKind? Activation { get; init; }

    /// <summary>
    /// Which of the engine's kernels runs the layer, when the engine picks one by width (see <see cref="Deployment"/>),
    /// e.g. "nchwc" or "nchw" on ONNX Runtime; null where there is one kernel. Each variant has its own table.
    /// </summary>
    public string? Variant { get; init; }

    /// <summary>A layout conversion the engine inserts between layers ("input": NCHW → blocked, "output": blocked → NCHW); the op is then Identity.</summary>
    public string? Reorder { get; init; }

    /// <summary>Dense convs and Gemms vary in input and output width; every other layer has one width.</summary>
    [JsonIgnore]
    public bool IsTwoDimensional => Reorder is null && (Op == OpKind.Gemm || (Op == OpKind.Conv && Depthwise == 0));

    /// <summary>The table's axes: ["in", "out"] or ["channels"].</summary>
    [JsonIgnore]
    public IReadOnlyList<string> AxisNames => IsTwoDimensional ? ["in", "out"] : ["channels"];

    /// <summary>A canonical readable identity, e.g. "Conv 3x3 s1 p1 d1 @32x32 +bn +add +Relu".</summary>
    [JsonIgnore]
    public string Key
    {
        get
        {
            if (Reorder is not null) return $"Reorder{(Reorder == "input" ? "Input" : "Output")} @{string.Join("x", InputSize)}";
            var key = new StringBuilder(Op == OpKind.Conv && Depthwise > 0 ? $"DepthwiseConv×{Depthwise}" : Op.ToString());
            if (Kernel.Length > 0) key.Append(CultureInfo.InvariantCulture, $" {Pair(Kernel)} s{Pair(Stride)} p{Pair(Padding)}");
            if (Op == OpKind.Conv) key.Append(CultureInfo.InvariantCulture, $" d{Pair(Dilation)}");
            if (CeilMode) key.Append(" ceil");
            if (Op == OpKind.AveragePool && !CountIncludePad) key.Append(" excludepad");
            if (InputSize.Length > 0) key.Append(" @").Append(string.Join("x", InputSize));
            if (ResizeTo is not null) key.Append(" to ").Append(string.Join("x", ResizeTo)).Append(' ').Append(Interpolation);
            if (ReadsGraphInput) key.Append(" from-input");
            if (BatchNorm) key.Append(" +bn");
            if (Residual) key.Append(" +add");
            if (Activation is { } a) key.Append(" +").Append(a);
            if (Variant is not null) key.Append(" [").Append(Variant).Append(']');
            return key.ToString();
        }
    }

    /// <summary>The spatial size of the output (convs and pools; others keep the input's).</summary>
    [JsonIgnore]
    public long[] OutputSize
    {
        get
        {
            if (Op == OpKind.GlobalAveragePool) return [1, 1];
            if (Op == OpKind.Resize && ResizeTo is { Length: 2 }) return ResizeTo;
            if (Kernel.Length != 2) return InputSize;
            var dilation = Dilation.Length == 2 ? Dilation : [1, 1];
            return InputSize.Select((n, d) =>
            {
                var span = n + 2L * Padding[d] - (long)dilation[d] * (Kernel[d] - 1) - 1;
                return (CeilMode ? (span + Stride[d] - 1) / Stride[d] : span / Stride[d]) + 1;
            }).ToArray();
        }
    }

    private static string Pair(int[] v) => v.Length == 2 && v[0] == v[1] ? v[0].ToString(CultureInfo.InvariantCulture) : string.Join("x", v);

    public override string ToString() => Key;

    /// <summary>Throws <see cref="InvalidDataException"/> when the fields do not describe a layer the profiler can build.</summary>
    internal void Validate(string where)
    {
        void Check(bool ok, string what)
        {
            if (!ok) throw new InvalidDataException($"{where}: layer configuration '{Key}' {what}");
        }

        // A JSON null leaves a non-nullable array null; the key (and every check below) reads them, so refuse it first.
        var missing = new (string Name, object? Value)[] { ("kernel", Kernel), ("stride", Stride), ("padding", Padding), ("dilation", Dilation), ("inputSize", InputSize) }
            .Where(f => f.Value is null).Select(f => f.Name).ToArray();
        if (missing.Length > 0) throw new InvalidDataException($"{where}: a {Op} layer configuration has null {string.Join(", ", missing)} (give [] for none)");
        Check(Enum.IsDefined(Op), $"has an unknown op {(int)Op}");
        if (Reorder is not null)
        {
            Check(Reorder is "input" or "output", "has a reorder direction other than 'input' or 'output'");
            Check(Op == OpKind.Identity && InputSize.Length == 2 && InputSize.All(d => d >= 1), "describes a reorder without an Identity op and an input size");
            return;
        }

        Check(Variant is null || (Variant.Length > 0 && Variant.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')), "has a malformed variant");
        var windowed = Op is OpKind.Conv or OpKind.MaxPool or OpKind.AveragePool;
        Check(!windowed || (Kernel.Length == 2 && Stride.Length == 2 && Padding.Length == 2), "needs kernel, stride and padding pairs");
        Check(!windowed || (Kernel.All(k => k >= 1) && Stride.All(s => s >= 1) && Padding.All(p => p >= 0)), "has a non-positive kernel/stride or negative padding");
        Check(Op != OpKind.Conv || (Dilation.Length == 2 && Dilation.All(d => d >= 1)), "needs a positive dilation pair");
        Check(Depthwise >= 0 && (Depthwise == 0 || Op == OpKind.Conv), "has a depthwise multiplier on a non-conv op");
        Check(Op == OpKind.Gemm ? InputSize.Length == 0 : InputSize.Length == 2 && InputSize.All(d => d >= 1), "needs an input size [H, W] (none for Gemm)");
        Check(Op != OpKind.Resize || (ResizeTo is { Length: 2 } to && to.All(d => d >= 1) && Interpolation is "nearest" or "bilinear" or "bilinear-align-corners"),
            "needs an output size [H, W] and an interpolation (nearest, bilinear or bilinear-align-corners)");
        Check(Op == OpKind.Resize || (ResizeTo is null && Interpolation is null), "has a resize size or interpolation on an op other than Resize");
        Check(!BatchNorm || Op == OpKind.Conv, "folds a BatchNorm into a non-conv op");
        Check(!Residual || Op == OpKind.Conv, "fuses a residual Add into a non-conv op");
        Check(Activation is null || LayerUnits.IsFusableActivation(Activation.Value), $"has activation {Activation} which is not fused into layers");
        Check(Activation is null || Op is OpKind.Conv or OpKind.Gemm or OpKind.Add, "fuses an activation into an op other than Conv, Gemm or Add");
    }
}
