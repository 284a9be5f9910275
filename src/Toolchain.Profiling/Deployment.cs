using System.Text.Json.Serialization;
using Toolchain.Graph;

namespace Toolchain.Profiling;

/// <summary>A model's structure as the deployment models read it: its layers and where each value comes from.</summary>
public sealed class ModelStructure
{
    private readonly Dictionary<string, LayerUnit> _unitOfLast;
    private readonly HashSet<string> _fused;

    public ModelStructure(ModelGraph graph)
    {
        Graph = graph ?? throw new ArgumentNullException(nameof(graph));
        Units = LayerUnits.Decompose(graph);
        _unitOfLast = Units.ToDictionary(u => u.Nodes[^1].Name, StringComparer.Ordinal);
        _fused = Units.SelectMany(u => u.Nodes.SkipLast(1)).Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
    }

    public ModelGraph Graph { get; }

    public IReadOnlyList<LayerUnit> Units { get; }

    /// <summary>
    /// The layer that <paramref name="node"/> completes (its last node), or null. Walking a graph in order, a layer is
    /// complete — every value it reads, a residual operand included, exists — at its last node.
    /// </summary>
    public LayerUnit? UnitEndingAt(Node node) => _unitOfLast.GetValueOrDefault(node.Name);

    /// <summary>Whether the node belongs to a layer and is not its last node.</summary>
    public bool IsInsideLayer(Node node) => _fused.Contains(node.Name);

    /// <summary>The spatial size [H, W] of a 4-D value (empty for others).</summary>
    public long[] Spatial(string value) => Graph.ShapeOf(value) is { Length: 4 } s ? [s[2], s[3]] : [];
}

/// <summary>
/// One timed piece of a deployed model: a kernel (or a fused group of kernels) whose latency a table gives, its axes'
/// widths being the channel counts of <paramref name="AxisValues"/>. <paramref name="Owner"/> is the layer it is
/// charged to; <paramref name="Kernels"/> how many engine kernels it is (the calibration's per-kernel term).
/// </summary>
public sealed record CostItem(string Owner, LayerConfig Config, IReadOnlyList<string> AxisValues, int Kernels);

/// <summary>
/// How an engine runs a model: which kernels execute at given widths. Eager engines run each layer as it is; ONNX
/// Runtime rewrites the graph depending on the widths (<see cref="OrtNchwcDeployment"/>). The profiler measures every
/// configuration a model may run as (<see cref="Candidates"/>); the predictor sums what it does run as (<see cref="Plan"/>).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(EagerDeployment), "eager")]
[JsonDerivedType(typeof(OrtNchwcDeployment), "ort-nchwc")]
public abstract record Deployment
{
    /// <summary>The pieces the model runs as when each value has <paramref name="channels"/> channels (rounded for the engine's choices).</summary>
    public abstract IReadOnlyList<CostItem> Plan(ModelStructure model, Func<string, double> channels);

    /// <summary>Every configuration the model may run as at some widths, with the values giving its axes.</summary>
    public abstract IEnumerable<(LayerConfig Config, IReadOnlyList<string> AxisValues)> Candidates(ModelStructure model);

    /// <summary>Whether the engine runs <paramref name="config"/> at this width of axis <paramref name="axis"/> (and not another variant).</summary>
    public virtual bool Accepts(LayerConfig config, int axis, int width) => width >= 1;

    /// <summary>A short description for people.</summary>
    public abstract string Describe();
}

/// <summary>Each layer runs as it is, one after another (libtorch eager): the model is the sum of its layers.</summary>
public sealed record EagerDeployment : Deployment
{
    public override IReadOnlyList<CostItem> Plan(ModelStructure model, Func<string, double> channels) =>
        model.Units.Select(u => new CostItem(u.Name, u.Config, u.AxisValues, 1)).ToList();

    public override IEnumerable<(LayerConfig, IReadOnlyList<string>)> Candidates(ModelStructure model) =>
        model.Units.Select(u => (u.Config, u.AxisValues));

    public override string Describe() => "eager: every layer runs as written";
}

/// <summary>
/// ONNX Runtime's CPU layout optimisation (its NCHWc transformer) as observed on ONNX Runtime 1.23 and 1.31 (OrtDeploymentTests pass on both) — the rules are
/// checked by the profiler against the kernels ONNX Runtime actually picks for every sample it measures. Convolutions
/// run on a channel-blocked layout (blocks of <see cref="Block"/> channels, padded): a dense conv reading fewer than
/// <see cref="Block"/> channels reads the plain NCHW layout, one reading a multiple of <see cref="Alignment"/> reads the
/// blocked layout, any other stays a plain NCHW convolution (im2col + GEMM); a depthwise conv is blocked when its
/// channels are a multiple of <see cref="Alignment"/> (one channel makes it a dense conv); pools are blocked on multiples of <see cref="Block"/> (global
/// average pooling only when its input already is). Where a value's layout differs from what a reader needs, a reorder
/// kernel converts it (once per value and direction). A residual Add fuses into a blocked conv only when the other
/// operand is blocked too; otherwise the conv's output is reordered and Add and activation run alone. A plain conv
/// fuses the Add (and activation) itself.
/// </summary>
public sealed record OrtNchwcDeployment(int Block, int Alignment) : Deployment
{
    public const string Blocked = "blocked", BlockedPlainInput = "blocked-plain-input", PlainVariant = "plain";

    private enum Layout
    {
        Plain,
        Blocked,
    }

    public override string Describe() => $"ONNX Runtime NCHWc layout: blocks of {Block} channels, conv inputs aligned to {Alignment}";

    /// <summary>The variant ONNX Runtime runs a dense conv reading <paramref name="inputs"/> channels as.</summary>
    public string ConvVariant(int inputs) => inputs < Block ? BlockedPlainInput : inputs % Alignment == 0 ? Blocked : PlainVariant;

    /// <summary>The variant of a depthwise conv on <paramref name="channels"/> channels (one channel is a dense conv).</summary>
    public string DepthwiseVariant(int channels) => channels == 1 ? BlockedPlainInput : channels % Alignment == 0 ? Blocked : PlainVariant;

    public override bool Accepts(LayerConfig config, int axis, int width)
    {
        if (width < 1) return false;
        if (config.Reorder is not null) return config.Reorder == "output" || width % Alignment == 0;
        if (axis != 0 || config.Variant is null) return true;
        return config.Op switch
        {
            OpKind.Conv when config.Depthwise == 0 => ConvVariant(width) == config.Variant,
            OpKind.Conv => DepthwiseVariant(width) == config.Variant,
            OpKind.MaxPool or OpKind.AveragePool => (width % Block == 0) == (config.Variant == Blocked),
            OpKind.GlobalAveragePool => config.Variant == PlainVariant || width % Block == 0,
            _ => true,
        };
    }

    public override IEnumerable<(LayerConfig, IReadOnlyList<string>)> Candidates(ModelStructure model)
    {
        var values = new HashSet<string>(StringComparer.Ordinal);
        foreach (var u in model.Units)
        {
            var c = u.Config;
            switch (c.Op)
            {
                case OpKind.Conv:
                {
                    string[] variants = [BlockedPlainInput, Blocked, PlainVariant];
                    foreach (var v in variants) yield return (c with { Variant = v }, u.AxisValues);
                    if (c.Residual)
                    {
                        foreach (var v in variants.Where(v => v != PlainVariant)) yield return (Bare(c) with { Variant = v }, u.AxisValues);
                        yield return (ResidualAdd(c), [u.Head.Output]);
                    }

                    break;
                }

                case OpKind.Gemm:
                    yield return (c, u.AxisValues);
                    break;
                case OpKind.LayerNorm:
                    yield return (c, u.AxisValues);
                    break;
                default:
                    yield return (c with { Variant = Blocked }, u.AxisValues);
                    yield return (c with { Variant = PlainVariant }, u.AxisValues);
                    break;
            }

            values.UnionWith(u.Head.Inputs.Concat([u.Head.Output, u.Output]).Where(v => model.Spatial(v).Length == 2));
        }

        foreach (var v in values)
        {
            yield return (ReorderConfig("input", model.Spatial(v)), [v]);
            yield return (ReorderConfig("output", model.Spatial(v)), [v]);
        }
    }

    public override IReadOnlyList<CostItem> Plan(ModelStructure model, Func<string, double> channels)
    {
        var graph = model.Graph;
        var layout = new Dictionary<string, Layout>(StringComparer.Ordinal) { [graph.InputName] = Layout.Plain };
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        var needs = new Dictionary<string, (bool Plain, bool Blocked, string Reader)>(StringComparer.Ordinal);
        var items = new List<CostItem>();
        var layerNorms = new List<(int Item, string Output)>();
        int C(string value) => (int)Math.Round(channels(value));
        void Need(string value, Layout l, string reader)
        {
            var (plain, blocked, first) = needs.GetValueOrDefault(value, (false, false, reader));
            needs[value] = (plain || l == Layout.Plain, blocked || l == Layout.Blocked, first);
        }

        void Produce(string value, Layout l, string unit)
        {
            layout[value] = l;
            owner[value] = unit;
        }

        foreach (var node in graph.Nodes)
        {
            if (model.IsInsideLayer(node)) continue;
            if (model.UnitEndingAt(node) is not { } u)
            {
                // Ops that are no layer (Flatten, Reshape, Identity, Dropout): the reshaping ones read NCHW.
                var reshapes = node.Op is OpKind.Flatten or OpKind.Reshape;
                if (reshapes) Need(node.Inputs[0], Layout.Plain, node.Name);
                Produce(node.Output, reshapes ? Layout.Plain : layout.GetValueOrDefault(node.Inputs[0], Layout.Plain),
                    owner.GetValueOrDefault(node.Inputs[0], node.Name));
                continue;
            }

            var c = u.Config;
            var input = u.Head.Inputs[0];
            switch (c.Op)
            {
                case OpKind.Conv:
                {
                    var variant = c.Depthwise == 0 ? ConvVariant(C(input)) : DepthwiseVariant(C(input));
                    Need(input, variant == Blocked ? Layout.Blocked : Layout.Plain, u.Name);
                    var blocked = variant != PlainVariant;
                    if (c.Residual && u.ResidualOperand is { } other)
                    {
                        if (blocked && layout.GetValueOrDefault(other) == Layout.Blocked)
                        {
                            items.Add(new CostItem(u.Name, c with { Variant = variant }, u.AxisValues, 1));
                            Produce(u.Output, Layout.Blocked, u.Name);
                        }
                        else if (blocked)
                        {
                            // The blocked conv cannot add a plain operand: its output is reordered, Add and activation run alone.
                            items.Add(new CostItem(u.Name, Bare(c) with { Variant = variant }, u.AxisValues, 1));
                            items.Add(new CostItem(u.Name, ReorderConfig("output", model.Spatial(u.Head.Output)), [u.Head.Output], 1));
                            items.Add(new CostItem(u.Name, ResidualAdd(c), [u.Head.Output], c.Activation is null ? 1 : 2));
                            Need(other, Layout.Plain, u.Name);
                            Produce(u.Output, Layout.Plain, u.Name);
                        }
                        else
                        {
                            items.Add(new CostItem(u.Name, c with { Variant = variant }, u.AxisValues, 1));
                            Need(other, Layout.Plain, u.Name);
                            Produce(u.Output, Layout.Plain, u.Name);
                        }
                    }
                    else
                    {
                        items.Add(new CostItem(u.Name, c with { Variant = variant }, u.AxisValues, 1));
                        Produce(u.Output, blocked ? Layout.Blocked : Layout.Plain, u.Name);
                    }

                    break;
                }

                case OpKind.Gemm:
                    Need(input, Layout.Plain, u.Name);
                    items.Add(new CostItem(u.Name, c, u.AxisValues, 1));
                    Produce(u.Output, Layout.Plain, u.Name);
                    break;
                case OpKind.LayerNorm:
                {
                    // Exported as Transpose to NHWC, LayerNormalization over the last axis, Transpose back; the table
                    // times the LayerNormalization. A blocked input is reordered straight to NHWC (ONNX Runtime folds
                    // the Transpose into that reorder), a plain one is transposed; the Transpose back is counted below.
                    var transposedIn = layout.GetValueOrDefault(input) != Layout.Blocked ? 1 : 0;
                    Need(input, Layout.Plain, u.Name);
                    layerNorms.Add((items.Count, u.Output));
                    items.Add(new CostItem(u.Name, c, u.AxisValues, 1 + transposedIn));
                    Produce(u.Output, Layout.Plain, u.Name);
                    break;
                }
                default:
                {
                    var inputsBlocked = u.Head.Inputs.All(v => layout.GetValueOrDefault(v) == Layout.Blocked);
                    var blocked = c.Op switch
                    {
                        OpKind.MaxPool or OpKind.AveragePool => C(input) % Block == 0,
                        OpKind.GlobalAveragePool => C(input) % Block == 0 && inputsBlocked,
                        // Modelled on the plain layout: ONNX Runtime's NCHWc Resize takes only some modes and scales.
                        OpKind.Resize => false,
                        _ => inputsBlocked,
                    };
                    foreach (var v in u.Head.Inputs.Distinct()) Need(v, blocked ? Layout.Blocked : Layout.Plain, u.Name);
                    items.Add(new CostItem(u.Name, c with { Variant = blocked ? Blocked : PlainVariant }, u.AxisValues, 1));
                    Produce(u.Output, blocked ? Layout.Blocked : Layout.Plain, u.Name);
                    break;
                }
            }
        }

        foreach (var output in graph.OutputNames) Need(output, Layout.Plain, "");
        // A LayerNorm's Transpose back to NCHW runs unless every reader takes its output blocked: then the reorder to
        // the blocked layout reads NHWC instead. Either Transpose moves the LayerNorm's channels, which no pruning
        // changes (LayerNorm couples them), so its time is in the calibration's per-kernel term and offset, not a table.
        foreach (var (i, output) in layerNorms)
        {
            var (plain, blocked, _) = needs.GetValueOrDefault(output, (false, false, ""));
            if (plain || !blocked) items[i] = items[i] with { Kernels = items[i].Kernels + 1 };
        }

        foreach (var (value, (plain, blocked, reader)) in needs)
        {
            var produced = layout.GetValueOrDefault(value, Layout.Plain);
            var direction = produced == Layout.Blocked && plain ? "output" : produced == Layout.Plain && blocked ? "input" : null;
            if (direction is null || model.Spatial(value).Length != 2) continue;
            var charged = owner.GetValueOrDefault(value) ?? reader;
            items.Add(new CostItem(charged, ReorderConfig(direction, model.Spatial(value)), [value], 1));
        }

        return items;
    }

    /// <summary>The conv with its BatchNorm only (what runs when the residual Add cannot fuse).</summary>
    public static LayerConfig Bare(LayerConfig conv) => conv with { Residual = false, Activation = null };

    /// <summary>The residual Add and its activation running alone on the plain layout after a conv.</summary>
    public static LayerConfig ResidualAdd(LayerConfig conv) => new()
    {
        Op = OpKind.Add,
        InputSize = conv.OutputSize,
        Activation = conv.Activation,
        Variant = PlainVariant,
    };

    public static LayerConfig ReorderConfig(string direction, long[] spatial) => new()
    {
        Op = OpKind.Identity,
        Reorder = direction,
        InputSize = spatial,
    };
}
