using System.Text.Json.Nodes;
using Toolchain.Graph;
using Toolchain.Pruning;
using Toolchain.Torch;
using Toolchain.Training;

namespace Toolchain.Methods;

/// <summary>
/// LTP, structured — OUR extension (the paper is unstructured only; METHODS.md §4): each prunable channel group g has a
/// learned threshold τ_g against its channels' filter scores s_c = ‖w_c‖²/numel (the producing convs' and linear
/// layers' output rows together, detached). A channel's gate σ((s_c − τ_g)/T_g), T_g = T₀ · Var(|w|) over those rows,
/// scales the group's BatchNorm scale and shift (the producers' rows and biases when it has no BatchNorm: a gate on
/// weights a BatchNorm follows would be normalised away) while training; evaluation uses [s_c &gt; τ_g]. The soft widths
/// n_g = Σ_c σ(·) enter HFP's penalty λ·max(0, C(n)/C₀ − q) per budget (<see cref="BudgetPenalty"/>, latency through
/// the profile) whose gradient reaches τ through n.
/// <para>
/// As soon as the channels over their thresholds meet every budget, they are cut there (<see cref="Cut"/>, with
/// <see cref="LtpSettings.CutWhenMet"/>; as HFP's cut): the removed channels are masked (weights, gradients and momentum
/// held at 0), every gate becomes the cut's 0/1 in training as in evaluation, τ stops moving, and the rest of the phase
/// trains the network it will deploy. Without it, a budget the thresholds had not reached by the phase's end was met by
/// the allocator cutting active channels at the end, and the trail's point fell to chance right after that cut.
/// </para>
/// </summary>
public sealed class LtpChannels : LtpThresholds
{
    private readonly ChannelGroups _groups;
    private readonly BudgetSet _budgets;
    private readonly BudgetPenalty _penalty;
    private readonly List<Layer> _layers = [];

    /// <summary>A group's producer rows (scores) and its τ.</summary>
    private sealed record Layer(ChannelGroup Group, List<(Parameter Weight, GroupMember Member)> Producers, Parameter Threshold);

    private readonly AllocationOptions _allocation;

    /// <param name="allocation">How a budget missed at the phase's end is met, and how the cut is widened with
    /// <see cref="LtpSettings.RefillCut"/> (scores are the channels' gates σ((s − τ)/T)).</param>
    public LtpChannels(ChannelGroups groups, BudgetSet budgets, LtpSettings settings, AllocationOptions? allocation = null)
        : base(groups.Graph, settings)
    {
        _allocation = (allocation ?? new AllocationOptions()) with { NormalizeScoresPerGroup = false };
        _groups = groups;
        _budgets = budgets;
        _penalty = new BudgetPenalty(budgets, settings.PenaltyWeight);
        var graph = groups.Graph;
        var gated = new Dictionary<Parameter, List<(Layer Layer, GroupMember Member)>>();
        foreach (var group in groups.Prunable)
        {
            var axis0 = group.Members.Where(m => m is { Kind: MemberKind.Tensor, Axis: 0 } && graph.FindParameter(m.Name) is not null).ToList();
            var producers = axis0.Where(m => m.Role == TensorRole.Weight && graph.GetNode(m.Node).Op is OpKind.Conv or OpKind.Gemm)
                .Select(m => (graph.GetParameter(m.Name), m)).ToList();
            if (producers.Count == 0) throw new ArgumentException($"LTP (structured) scores channels by the filters that produce them; group '{group.Name}' has none");
            var layer = new Layer(group, producers, AddThreshold(group.Name));
            _layers.Add(layer);
            var batchNorm = axis0.Where(m => graph.GetNode(m.Node).Op == OpKind.BatchNorm).ToList();
            foreach (var member in batchNorm.Count > 0 ? batchNorm : axis0.Where(m => graph.GetNode(m.Node).Op is OpKind.Conv or OpKind.Gemm).ToList())
            {
                var parameter = graph.GetParameter(member.Name);
                if (!gated.TryGetValue(parameter, out var list)) gated[parameter] = list = [];
                list.Add((layer, member));
            }
        }

        foreach (var (parameter, members) in gated) graph.SetParameterTransform(parameter.Name, GateTransform(parameter, members));
    }

    /// <summary>The cut, once the channels over their thresholds met every budget during the phase (null before).</summary>
    public GroupMasks? Cut { get; private set; }

    /// <summary>The step of the phase at which <see cref="Cut"/> was made.</summary>
    public long CutStep { get; private set; }

    /// <summary>Each group's channel scores s_c = ‖w_c‖²/numel over its producers' rows, from the current weights.</summary>
    public double[] Scores(int layer)
    {
        var (group, producers, _) = _layers[layer];
        var sums = new double[group.Channels];
        var counts = new long[group.Channels];
        foreach (var (weight, member) in producers)
        {
            using var value = weight.Value.Detach();
            var values = value.ToArray<float>();
            var row = values.Length / weight.Shape[0];
            for (var c = 0; c < group.Channels; c++)
            {
                foreach (var p in member.Positions[c])
                {
                    for (var j = p * row; j < (p + 1) * row; j++) sums[c] += (double)values[j] * values[j];
                    counts[c] += row;
                }
            }
        }

        return sums.Select((s, c) => s / counts[c]).ToArray();
    }

    /// <summary>T_g = T₀ · Var(|w|) over the group's producer rows.</summary>
    public double Temperature(int layer)
    {
        var values = new List<float>();
        foreach (var (weight, member) in _layers[layer].Producers)
        {
            using var value = weight.Value.Detach();
            var all = value.ToArray<float>();
            var row = all.Length / weight.Shape[0];
            foreach (var p in member.Positions.SelectMany(x => x)) values.AddRange(all.AsSpan((int)(p * row), (int)row).ToArray());
        }

        return Math.Max(LtpGate.Temperature(values, Settings.TemperatureScale), 1e-12);
    }

    private ParameterTransform GateTransform(Parameter parameter, List<(Layer Layer, GroupMember Member)> members)
    {
        // Position i of axis 0 takes entry index[i] of [gates of each member's group …, 1] (1: no group gates it).
        var layers = members.Select(m => m.Layer).Distinct().ToList();
        var offsets = new Dictionary<Layer, int>();
        var size = 0;
        foreach (var layer in layers)
        {
            offsets[layer] = size;
            size += layer.Group.Channels;
        }

        var index = Enumerable.Repeat((long)size, (int)parameter.Shape[0]).ToArray();
        foreach (var (layer, member) in members)
        {
            for (var c = 0; c < layer.Group.Channels; c++)
            {
                foreach (var p in member.Positions[c]) index[p] = offsets[layer] + c;
            }
        }

        var shape = Enumerable.Repeat(1L, parameter.Shape.Length).ToArray();
        shape[0] = parameter.Shape[0];
        return (value, training) =>
        {
            var gates = layers.Select(l => Gate(_layers.IndexOf(l), training)).Append(Tensor.Ones([1])).ToList();
            using var all = Tensor.Cat(gates);
            using var indices = Tensor.FromArray(index, index.Length);
            using var selected = all.IndexSelect(0, indices);
            using var broadcast = selected.Reshape(shape);
            return value * broadcast;
        };
    }

    /// <summary>The gates of layer <paramref name="layer"/>'s channels: σ((s − τ)/T) while training (gradient to τ), [s &gt; τ] otherwise; the cut's 0/1 once it is made.</summary>
    private Tensor Gate(int layer, bool training)
    {
        if (Cut is not null) return Tensor.FromArray(Cut.Keep(_layers[layer].Group.Id).Select(k => k ? 1f : 0f).ToArray(), _layers[layer].Group.Channels);
        using var scores = Tensor.FromArray(Scores(layer).Select(s => (float)s).ToArray(), _layers[layer].Group.Channels);
        var threshold = _layers[layer].Threshold.Value;
        if (!training) return LtpGate.Hard(scores, threshold);
        using var temperature = Tensor.Scalar(Temperature(layer));
        return LtpGate.Soft(scores, threshold, temperature);
    }

    /// <summary>Per group the channels with s &gt; τ (at least one; the cut's once made); unprunable groups at full width.</summary>
    public int[] HardWidths() => (Cut ?? OverThresholds()).Widths().ToArray();

    /// <summary>The channels with s &gt; τ, and each group's highest score where none is.</summary>
    private GroupMasks OverThresholds()
    {
        var masks = new GroupMasks(_groups);
        for (var i = 0; i < _layers.Count; i++)
        {
            var threshold = _layers[i].Threshold.Value.Item();
            masks.Set(_layers[i].Group.Id, SoftWidths.HardKeep(Scores(i), s => s > threshold));
        }

        return masks;
    }

    protected override bool HardMaskMeetsBudget() => _budgets.AllMetBy(HardWidths());

    /// <summary>The cut, as soon as the channels over their thresholds meet every budget (see the class comment).</summary>
    public override void AfterStep(TrainingStep step)
    {
        if (Cut is not null || !Settings.CutWhenMet) return;
        var kept = OverThresholds();
        if (!_budgets.AllMetBy(kept.Widths())) return;
        MakeCut(Widened(kept), step.Iteration);
    }

    /// <summary>
    /// The cut <paramref name="kept"/>, with <see cref="LtpSettings.RefillCut"/> widened by what the budgets still leave:
    /// each group takes back its removed channels with the highest gates (our extension, as HFP's).
    /// </summary>
    private GroupMasks Widened(GroupMasks kept) =>
        Settings.RefillCut ? WidthAllocator.Widen(_groups, Gates(), _budgets, kept, _allocation).Masks : kept;

    /// <summary>Per group its channels' gates σ((s − τ)/T): the soft mask, the order in which channels are cut or given back.</summary>
    private Dictionary<int, double[]> Gates()
    {
        var gates = new Dictionary<int, double[]>();
        for (var i = 0; i < _layers.Count; i++)
        {
            var (threshold, temperature) = (_layers[i].Threshold.Value.Item(), Temperature(i));
            gates[_layers[i].Group.Id] = Scores(i).Select(s => LtpGate.Soft(s, threshold, temperature)).ToArray();
        }

        return gates;
    }

    private void MakeCut(GroupMasks cut, long step)
    {
        Cut = cut;
        CutStep = step;
        Masking.Apply(_groups, cut);
    }

    /// <summary>∂P/∂τ_g = ∂P/∂n_g · Σ_c ∂σ_c/∂τ_g, the budget penalty at the soft widths (times n_g / N_g with <see cref="LtpSettings.ShareOfKept"/>).</summary>
    protected override void AddThresholdGradients(double[] gradients)
    {
        LastPenalty = 0;
        if (Cut is not null) return; // τ no longer gates anything
        var soft = _groups.FullWidths().Select(w => (double)w).ToArray();
        var terms = new (double[] Scores, double Threshold, double Temperature)[_layers.Count];
        for (var i = 0; i < _layers.Count; i++)
        {
            terms[i] = (Scores(i), _layers[i].Threshold.Value.Item(), Temperature(i));
            soft[_layers[i].Group.Id] = terms[i].Scores.Sum(s => LtpGate.Soft(s, terms[i].Threshold, terms[i].Temperature));
        }

        var (value, dn) = _penalty.Evaluate(soft);
        LastPenalty = value;
        if (value == 0) return;
        var share = SoftWidths.PushWeights(_groups, soft, Settings.ShareOfKept);
        for (var i = 0; i < _layers.Count; i++)
        {
            gradients[i] += dn[_layers[i].Group.Id] * share[_layers[i].Group.Id] * terms[i].Scores.Sum(s => LtpGate.ThresholdSlope(s, terms[i].Threshold, terms[i].Temperature));
        }
    }

    /// <summary>The budget penalty at the last step (0 once every budget holds at the soft widths).</summary>
    public double LastPenalty { get; private set; }

    /// <summary>
    /// Hard masks that meet every budget: the cut once made; else the channels over their thresholds (at least one per
    /// group), and when that misses a budget, the allocator removes more, lowest gate σ((s − τ)/T) first per unit of cost.
    /// </summary>
    public GroupMasks FinalMasks()
    {
        if (Cut is not null) return Cut;
        var masks = OverThresholds();
        if (_budgets.AllMetBy(masks.Widths())) return Widened(masks);
        return WidthAllocator.Allocate(_groups, Gates(), _budgets, _allocation).Masks;
    }

    public override JsonNode Save()
    {
        var state = base.Save();
        state["cutStep"] = Cut is null ? null : CutStep;
        state["cut"] = Cut is null ? null : MaskState.Save(Cut);
        return state;
    }

    /// <summary>τ, and the cut with its masks re-applied when the interrupted run had made it.</summary>
    public override void Restore(JsonNode state)
    {
        base.Restore(state);
        if (state["cut"] is { } cut) MakeCut(MaskState.Load(cut, new GroupMasks(_groups)), state["cutStep"]!.GetValue<long>());
    }
}
