using System.Collections.Concurrent;

namespace Toolchain.TestSupport;

/// <summary>
/// One torchvision 0.14 classification or segmentation family as the tests export it (python/export_torchvision_zoo.py).
/// </summary>
/// <param name="Name">torchvision's builder name (<c>torchvision.models.NAME(weights=None)</c>, or
/// <c>torchvision.models.segmentation.NAME(weights=None, weights_backbone=None)</c> whose "out" scores are exported).</param>
/// <param name="Size">Input height (and width unless <see cref="Width"/> says otherwise): the smallest that keeps the
/// family's architecture (every family ending in a global pool runs at 64×64; AlexNet and VGG pool adaptively to
/// 6×6 / 7×7 and need 224; Inception v3 accepts 75 at the least).</param>
/// <param name="Opsets">The opsets it is exported at: the first is the one the matrix prunes and deploys, the others
/// are checked to import with PyTorch's logits too.</param>
/// <param name="Fast">Part of the representative subset <c>make test</c> runs; the rest run under
/// <c>make test-zoo</c> (<see cref="TorchvisionZoo.FullVariable"/>=1).</param>
public sealed record ZooFamily(string Name, int Size, int[] Opsets, bool Fast)
{
    /// <summary>The opset the matrix prunes and deploys.</summary>
    public int Opset => Opsets[0];

    public int Height => Size;

    /// <summary>Input width; <see cref="Size"/> unless the family runs on non-square images.</summary>
    public int Width { get; init; } = Size;

    /// <summary>The input size as the export script reads it: "64" or "64x96".</summary>
    public string SizeText => Width == Height ? $"{Height}" : $"{Height}x{Width}";

    public override string ToString() => Name;
}

/// <summary>
/// The torchvision test matrix: every classification family of torchvision 0.14, listed once. Tests take their
/// families from <see cref="Selected"/> and their files from <see cref="TorchvisionZooExports"/>.
/// </summary>
public static class TorchvisionZoo
{
    /// <summary>Set to 1 to run every family instead of the fast subset (<c>make test-zoo</c> does).</summary>
    public const string FullVariable = "TOOLCHAIN_ZOO_FULL";

    /// <summary>When set, the matrix appends one summary line per family to this file (<c>make test-zoo</c> prints it).</summary>
    public const string SummaryVariable = "TOOLCHAIN_ZOO_SUMMARY";

    public static IReadOnlyList<ZooFamily> Families { get; } =
    [
        // The fast subset: a residual net (at opsets 11 and 13 too), hard-swish + squeeze-excitation, channel split and
        // shuffle with a global ReduceMean, Concat of fire modules, group convs with squeeze-excitation.
        new("resnet18", 64, [17, 11, 13], Fast: true),
        new("mobilenet_v3_small", 64, [17, 13], Fast: true),
        new("shufflenet_v2_x0_5", 64, [17], Fast: true),
        new("squeezenet1_1", 64, [17], Fast: true),
        new("regnet_y_400mf", 64, [17], Fast: true),
        new("alexnet", 224, [17], Fast: false),
        new("vgg11_bn", 224, [17], Fast: false),
        new("vgg16_bn", 224, [17], Fast: false),
        new("resnet50", 64, [17, 13], Fast: false),
        new("resnext50_32x4d", 64, [17], Fast: false),
        new("wide_resnet50_2", 64, [17], Fast: false),
        new("densenet121", 64, [17, 13], Fast: false),
        new("googlenet", 64, [17, 13], Fast: false),
        new("inception_v3", 75, [17], Fast: false),
        new("mobilenet_v2", 64, [17, 11], Fast: false),
        new("mobilenet_v3_large", 64, [17], Fast: false),
        new("mnasnet0_5", 64, [17, 13], Fast: false),
        new("efficientnet_b0", 64, [17], Fast: false),
        new("efficientnet_v2_s", 64, [17], Fast: false),
        new("regnet_x_400mf", 64, [17], Fast: false),
        // LayerNorm over channels in NHWC (at opset 13 decomposed: ReduceMean, Sub, Pow, Sqrt, Div), Linear layers on NHWC,
        // GELU, layer scale; its residual stream is unprunable (LayerNorm).
        new("convnext_tiny", 64, [17, 13], Fast: false),
        // Segmentation (dense prediction): a dilated MobileNet v3 backbone, a squeeze-style gate, bilinear Resize of the
        // head to the input size, on non-square images; the 21-class score map at the output is an unprunable group.
        new("lraspp_mobilenet_v3_large", 64, [17, 11], Fast: false) { Width = 96 },
        // DeepLab v3: atrous spatial pyramid pooling, whose image-pooling branch resizes a 1×1 map bilinearly back up.
        new("deeplabv3_mobilenet_v3_large", 64, [17, 13], Fast: false) { Width = 96 },
    ];

    /// <summary>Whether <see cref="FullVariable"/> asks for every family.</summary>
    public static bool Full => Environment.GetEnvironmentVariable(FullVariable) == "1";

    /// <summary>The families this run tests: the fast subset, or all of them under <see cref="FullVariable"/>=1.</summary>
    public static IEnumerable<ZooFamily> Selected => Families.Where(f => f.Fast || Full);

    /// <summary>For xunit's MemberData: the selected families' names.</summary>
    public static IEnumerable<object[]> SelectedNames => Selected.Select(f => new object[] { f.Name });

    public static ZooFamily Get(string name) =>
        Families.FirstOrDefault(f => f.Name == name) ?? throw new ArgumentException($"'{name}' is not in the torchvision zoo ({string.Join(", ", Families.Select(f => f.Name))})", nameof(name));
}

/// <summary>The files the exporter wrote for one family (see python/export_torchvision_zoo.py).</summary>
public sealed record ZooExport(ZooFamily Family, string Folder)
{
    /// <summary>The family's export at <paramref name="opset"/> (default: the matrix's opset).</summary>
    public string Onnx(int? opset = null) => Path.Combine(Folder, $"{Family.Name}_{opset ?? Family.Opset}.onnx");

    /// <summary>x, logits, parameter_count, folded_parameter_count.</summary>
    public string Expected => Path.Combine(Folder, "expected.safetensors");

    /// <summary>The training-mode export that keeps BatchNormalization (only when exported with unfolded: true).</summary>
    public string Unfolded(int opset) => Path.Combine(Folder, $"{Family.Name}_unfolded_{opset}.onnx");

    /// <summary>x and logits of the unfolded export (only when exported with unfolded: true).</summary>
    public string UnfoldedExpected => Path.Combine(Folder, "unfolded.safetensors");

    /// <summary>PyTorch's state_dict names (only when exported with unfolded: true).</summary>
    public string StateDictNames => Path.Combine(Folder, "state_dict.txt");
}

/// <summary>
/// A test-class fixture that exports each family under Debian's PyTorch once per test run, on first use (exporting is
/// the slow part), into a temporary folder removed at the end.
/// </summary>
public sealed class TorchvisionZooExports : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly ConcurrentDictionary<(string, bool), Lazy<ZooExport>> _exports = new();

    /// <summary>The exported <paramref name="name"/>; with <paramref name="unfolded"/> also its training-mode exports.</summary>
    public ZooExport Get(string name, bool unfolded = false) =>
        _exports.GetOrAdd((name, unfolded), key => new Lazy<ZooExport>(() => Export(TorchvisionZoo.Get(key.Item1), key.Item2))).Value;

    private ZooExport Export(ZooFamily family, bool unfolded)
    {
        var folder = _directory.File(unfolded ? family.Name + "-unfolded" : family.Name);
        Directory.CreateDirectory(folder);
        List<string> arguments = [family.Name, family.SizeText, string.Join(',', family.Opsets), folder];
        if (unfolded) arguments.Add("--unfolded");
        PythonOracle.RunScript(Path.Combine(PythonOracle.HelperDirectory, "export_torchvision_zoo.py"), arguments, timeoutSeconds: 900);
        return new ZooExport(family, folder);
    }

    public void Dispose() => _directory.Dispose();
}
