using System.Text.Json.Nodes;
using Toolchain.Graph;
using Toolchain.Pruning;
using Toolchain.Torch;
using Toolchain.Torch.Optim;
using Toolchain.Training;

namespace Toolchain.Methods;

/// <summary>
/// HFP's budget penalty as a gradient on the BatchNorm scales (our reconstruction): before each update, the soft widths
/// are computed from each channel's scale s = mean |γ| / s_ref over its group's k BatchNorms, and
/// <c>∂P/∂γ = λ_t · ∂P/∂n_g · ∂a/∂s · sign(γ) / (k · s_ref)</c> is added to every γ of a prunable group's BatchNorms — the push
/// is strongest on channels of the groups whose upper channels cost the most against the budgets still exceeded, and
/// zero once every budget holds. With <see cref="HfpSettings.ShareOfKept"/> (our extension) each group's push is that
/// gradient times n_g / N_g, the share of its channels it still keeps. λ_t grows by <see cref="HfpSettings.LambdaGrowth"/> every step a budget is still
/// exceeded at the soft widths: the hinge's gradient does not depend on how far the target is, so a fixed λ may not
/// get there within a short phase. (Taking |β| into the scale as well, so that the cut would remove only channels
/// whose output is ≈ 0, left every channel's sigmoid saturated above the threshold — nothing was pushed, ResNet-20 at
/// latency=30 % ended at 24 % — so the scale is |γ| alone. For the same reason it is the mean over a group's
/// BatchNorms, not their sum: a residual stream couples seven of them in ResNet-20, and summed, its scales sat 7× over
/// the others, where the sigmoid's slope is ~1e-6 — the streams were never pushed and kept full width under a
/// latency=30 % budget.)
/// <para>
/// A channel with γ ≈ 0 still outputs its constant shift act(β), which the network relies on: a cut that drops it
/// landed at chance every time. So after each update the shifts β of the channels the cut would remove now (s &lt; t)
/// shrink by the factor 1 − <see cref="HfpSettings.ShiftDecay"/> (our extension): the network learns without them
/// during the phase, and the cut removes channels that output ≈ 0. A channel whose scale grows back over t keeps
/// its shift from then on.
/// </para>
/// <para>
/// As soon as the channels the cut would keep (s ≥ t) meet every budget, the cut is made there (<see cref="Cut"/>:
/// the removed channels are masked, their weights, gradients and momentum held at 0) and the rest of the phase trains
/// the pruned network with the penalty off — METHODS.md's "when the penalty is zero, cut, rebuild, fine-tune", so the
/// network adapts to its final widths for as long as possible instead of losing active channels at the phase's end.
/// </para>
/// </summary>
public sealed class HfpTerm : ITrainingHook, IGradientTerm, IMethodState
{
    private readonly ChannelGroups _groups;
    private readonly BudgetSet _budgets;
    private readonly BudgetPenalty _penalty;
    private readonly HfpSettings _settings;
    private readonly long _totalSteps;
    private readonly List<(ChannelGroup Group, Parameter Gamma, GroupMember Member)> _scales = [];
    private readonly List<(ChannelGroup Group, Parameter Beta, GroupMember Member)> _shifts = [];
    private readonly Dictionary<Parameter, float[]> _gradients = [];
    private readonly Dictionary<int, int> _batchNorms; // per prunable group: how many BatchNorms its scale averages

    private readonly AllocationOptions _allocation;

    /// <param name="allocation">How the cut is widened with <see cref="HfpSettings.RefillCut"/> (scores are the channels' scales).</param>
    public HfpTerm(ChannelGroups groups, BudgetSet budgets, HfpSettings settings, long totalSteps, AllocationOptions? allocation = null)
    {
        _allocation = (allocation ?? new AllocationOptions()) with { NormalizeScoresPerGroup = false };
        _groups = groups;
        _budgets = budgets;
        _penalty = new BudgetPenalty(budgets, settings.Lambda);
        _settings = settings;
        _totalSteps = Math.Max(1, totalSteps);
        foreach (var group in groups.Prunable)
        {
            foreach (var member in group.Members.Where(m => m is { Kind: MemberKind.Tensor, Role: TensorRole.Weight, Axis: 0 } && groups.Graph.GetNode(m.Node).Op == OpKind.BatchNorm))
            {
                if (groups.Graph.FindParameter(member.Name) is { } gamma) _scales.Add((group, gamma, member));
            }

            foreach (var member in group.Members.Where(m => m is { Kind: MemberKind.Tensor, Role: TensorRole.Bias, Axis: 0 } && groups.Graph.GetNode(m.Node).Op == OpKind.BatchNorm))
            {
                if (groups.Graph.FindParameter(member.Name) is { } beta) _shifts.Add((group, beta, member));
            }
        }

        _batchNorms = groups.Prunable.ToDictionary(g => g.Id, g => _scales.Count(s => s.Group.Id == g.Id));
        var unscaled = groups.Prunable.Where(g => _batchNorms[g.Id] == 0).Select(g => g.Name).ToList();
        if (unscaled.Count > 0) throw new ArgumentException($"HFP reads channel activity from BatchNorm scales; these groups have none: {string.Join(", ", unscaled)}");
        ScaleReference = Scales().SelectMany(s => s.Value).Average();
        if (!(ScaleReference > 0)) throw new ArgumentException("HFP: every BatchNorm scale of the prunable groups is zero");
    }

    /// <summary>s_ref: the mean scale of the prunable channels when the phase started (scales are relative to it).</summary>
    public double ScaleReference { get; private set; }

    /// <summary>The penalty at the last step (0 once every budget holds at the soft widths).</summary>
    public double LastPenalty { get; private set; }

    /// <summary>λ_t / λ: how much λ has grown while budgets were exceeded.</summary>
    public double LambdaScale { get; private set; } = 1;

    /// <summary>The cut, once the kept channels met every budget during the phase (null before: then the cut comes at its end).</summary>
    public GroupMasks? Cut { get; private set; }

    /// <summary>The step of the phase at which <see cref="Cut"/> was made.</summary>
    public long CutStep { get; private set; }

    /// <summary>The temperature at <paramref name="step"/> of the phase.</summary>
    public double Temperature(long step) => _settings.Temperature((double)step / _totalSteps);

    /// <summary>Each prunable group's channel scales s = mean |γ| over its BatchNorms, relative to <see cref="ScaleReference"/> once it is set.</summary>
    public Dictionary<int, double[]> Scales()
    {
        var scales = _groups.Prunable.ToDictionary(g => g.Id, g => new double[g.Channels]);
        var reference = ScaleReference > 0 ? ScaleReference : 1;
        foreach (var (group, gamma, member) in _scales)
        {
            using var value = gamma.Value.Detach();
            var values = value.ToArray<float>();
            var share = reference * _batchNorms[group.Id];
            for (var c = 0; c < group.Channels; c++) scales[group.Id][c] += member.Positions[c].Sum(p => Math.Abs((double)values[p])) / share;
        }

        return scales;
    }

    /// <summary>The widths the cut would keep now: channels with s ≥ t (a ≥ 0.5), at least one per group.</summary>
    public int[] CutWidths() => Cut?.Widths().ToArray() ?? KeptChannels().Widths().ToArray();

    /// <summary>The channels with s ≥ t (a ≥ ½), and each group's largest scale where none is.</summary>
    public GroupMasks KeptChannels() => KeptChannels(Scales());

    /// <summary>The same from scales already read (<see cref="Scales"/>).</summary>
    public GroupMasks KeptChannels(Dictionary<int, double[]> scales)
    {
        var masks = new GroupMasks(_groups);
        foreach (var group in _groups.Prunable)
        {
            masks.Set(group.Id, SoftWidths.HardKeep(scales[group.Id], s => s >= _settings.Threshold));
        }

        return masks;
    }

    public void AfterBackward(TrainingStep step)
    {
        _gradients.Clear();
        if (Cut is not null)
        {
            LastPenalty = 0;
            return;
        }

        var temperature = Temperature(step.Iteration - 1);
        var scales = Scales();
        var soft = _groups.Groups.Select(g => g.Prunable ? SoftWidths.Width(scales[g.Id], _settings.Threshold, temperature) : g.Channels).ToArray();
        var (value, dn) = _penalty.Evaluate(soft);
        LastPenalty = value * LambdaScale;
        if (value == 0) return;
        var share = SoftWidths.PushWeights(_groups, soft, _settings.ShareOfKept);
        foreach (var (group, gamma, member) in _scales)
        {
            if (!_gradients.TryGetValue(gamma, out var rows)) _gradients[gamma] = rows = new float[gamma.Shape[0]];
            using var current = gamma.Value.Detach();
            var values = current.ToArray<float>();
            for (var c = 0; c < group.Channels; c++)
            {
                var push = LambdaScale * dn[group.Id] * share[group.Id] * SoftWidths.ActivitySlope(scales[group.Id][c], _settings.Threshold, temperature) / (ScaleReference * _batchNorms[group.Id]);
                foreach (var p in member.Positions[c]) rows[p] += (float)(push * Math.Sign(values[p]));
            }
        }

        LambdaScale *= 1 + _settings.LambdaGrowth;
    }

    /// <summary>The shifts of the channels below the cut's threshold decay; the cut is made once what it keeps meets every budget (see the class comment).</summary>
    public void AfterStep(TrainingStep step)
    {
        if (Cut is not null) return;
        // One read of the scales per step: the shifts decay below t, and what the cut would keep now.
        var scales = Scales();
        DecayShifts(scales);
        var kept = KeptChannels(scales);
        if (_settings.CutWhenMet && _budgets.AllMetBy(kept.Widths()))
        {
            Cut = Widened(kept, scales);
            CutStep = step.Iteration;
            Masking.Apply(_groups, Cut);
        }
    }

    /// <summary>
    /// The cut <paramref name="kept"/>, with <see cref="HfpSettings.RefillCut"/> widened by what the budgets still leave:
    /// each group takes back its highest-scale removed channels (our extension; see <see cref="HfpSettings"/>).
    /// </summary>
    public GroupMasks Widened(GroupMasks kept, Dictionary<int, double[]> scales) =>
        _settings.RefillCut ? WidthAllocator.Widen(_groups, scales, _budgets, kept, _allocation).Masks : kept;

    private void DecayShifts(Dictionary<int, double[]> scales)
    {
        if (_settings.ShiftDecay == 0 || _shifts.Count == 0) return;
        using var noGrad = Libtorch.NoGrad();
        foreach (var (group, beta, member) in _shifts)
        {
            using var current = beta.Value.Detach();
            var values = current.ToArray<float>();
            var changed = false;
            for (var c = 0; c < group.Channels; c++)
            {
                if (scales[group.Id][c] >= _settings.Threshold) continue;
                foreach (var p in member.Positions[c]) values[p] *= (float)(1 - _settings.ShiftDecay);
                changed = true;
            }

            if (!changed) continue;
            using var shrunk = Tensor.FromArray(values, beta.Shape);
            beta.Value.Copy_(shrunk);
        }
    }

    public void Apply(Parameter parameter, Tensor grad)
    {
        if (_gradients.TryGetValue(parameter, out var rows)) grad.Add_(Tensor.FromArray(rows, parameter.Shape));
    }

    public JsonNode Save() => new JsonObject
    {
        ["scaleReference"] = ScaleReference,
        ["lambdaScale"] = LambdaScale,
        ["cutStep"] = Cut is null ? null : CutStep,
        ["cut"] = Cut is null ? null : MaskState.Save(Cut),
    };

    public void Restore(JsonNode state)
    {
        ScaleReference = state["scaleReference"]!.GetValue<double>();
        LambdaScale = state["lambdaScale"]?.GetValue<double>() ?? 1;
        if (state["cut"] is { } cut)
        {
            Cut = MaskState.Load(cut, new GroupMasks(_groups));
            CutStep = state["cutStep"]!.GetValue<long>();
            Masking.Apply(_groups, Cut);
        }
    }
}
