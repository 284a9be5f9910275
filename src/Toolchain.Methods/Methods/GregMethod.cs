using System.Text.Json;
using System.Text.Json.Nodes;
using Toolchain.Graph;
using Toolchain.Pruning;
using Toolchain.Torch.Optim;
using Toolchain.Training;

namespace Toolchain.Methods;

/// <summary>
/// Growing regularization, GReg-1 / GReg-2 (Wang et al., ICLR 2021). How many channels each layer loses comes from
/// the budgets (the latency-aware allocator on L1 filter norms: our extension; the authors set per-stage ratios);
/// then, at the authors' constant learning rate (1e-3), a penalty λ grows on the channels to prune
/// (<see cref="GrowingRegularization"/>, <see cref="GregTerm"/>) until their weights are negligible, is held, and the
/// channels are cut. As the authors do, only channels not coupled through a residual add are pruned by default (a
/// block's inner convs); <see cref="MethodSettings.GregCoupledGroups"/> lets residual-coupled groups be pruned too.
/// A pruning phase shorter than the λ schedule (with the authors' δλ = 1e-4 every 10 iterations λ needs 100k
/// iterations to reach τ = 1) cuts when the phase ends; the trail records the stage reached.
/// </summary>
public sealed class GregMethod(GregVariant variant, MethodSettings settings) : IPruningMethod
{
    public string Name => variant == GregVariant.Greg1 ? "greg1" : "greg2";

    public string Description => variant == GregVariant.Greg1
        ? "GReg-1 (Wang et al. 2021): growing L2 penalty on the channels chosen by magnitude, then cut; per-layer counts from the budgets (our extension)"
        : "GReg-2 (Wang et al. 2021): a picking stage lets magnitudes separate, then a growing L2 penalty, then cut; per-layer counts from the budgets (our extension)";

    public GroupMasks Prune(PruningContext context)
    {
        var groups = context.Groups;
        var norm = new FilterNorm(1);
        var eligible = groups.Prunable.Where(g => settings.GregCoupledGroups || !IsResidualCoupled(context.Graph, g)).Select(g => g.Id).ToHashSet();
        // The widths come from the weights GReg starts from; a resumed run keeps the interrupted run's.
        var widths = context.ResumedMethodState?["widths"]?.AsArray().Select(w => w!.GetValue<int>()).ToArray()
                     ?? WidthAllocator.Allocate(groups, Scores(context, norm, eligible), context.Budgets, context.Allocation with { NormalizeScoresPerGroup = false }).Widths;

        var layers = new List<(ChannelGroup Group, GregLayer Layer)>();
        foreach (var group in groups.Prunable.Where(g => widths[g.Id] < g.Channels))
        {
            layers.Add((group, new GregLayer(group.Name, group.Channels, group.Channels - widths[group.Id])));
        }

        var byLayer = layers.ToDictionary(l => l.Layer, l => l.Group);
        var greg = new GrowingRegularization(settings.Greg with { Variant = variant }, layers.Select(l => l.Layer).ToList(),
            layer => norm.Score(groups, byLayer[layer]));

        if (context.Epochs > 0)
        {
            using var trainer = context.CreateTrainer(optimizerFactory: (parameters, options) =>
                    new Sgd(parameters, settings.GregLearningRate, options.Momentum, options.WeightDecay, options.Nesterov),
                scheduleFactory: (_, _) => new ConstantSchedule());
            trainer.Optimizer.GradientTerms.Add(new GregTerm(layers.SelectMany(l => Targets(context.Graph, l.Group, l.Layer))));
            var schedule = new Schedule(greg, widths);
            trainer.Hooks.Add(schedule);
            var epochs = context.Train(trainer, _ => widths, schedule);
            if (greg.Stage != GregStage.Finished)
            {
                foreach (var _ in epochs)
                {
                    if (greg.Stage == GregStage.Finished) break;
                }
            }
        }

        var masks = new GroupMasks(groups);
        foreach (var (group, layer) in layers)
        {
            if (layer.Pruned is null) layer.Pick(norm.Score(groups, group)); // GReg-2 stopped before its picking stage ended
            masks.Set(group.Id, layer.Pruned!.Select(p => !p).ToArray());
        }

        if (context.Epochs == 0) context.Record("prune", 0, masks.Widths(), report: null);
        return masks;
    }

    /// <summary>
    /// The context's L1 scores for the groups GReg may prune; the others score so high that the allocator takes them
    /// only when the budgets cannot be met otherwise.
    /// </summary>
    private static Dictionary<int, double[]> Scores(PruningContext context, FilterNorm norm, HashSet<int> eligible)
    {
        var scores = context.Scores(norm);
        foreach (var id in scores.Keys.Where(id => !eligible.Contains(id)).ToList()) scores[id] = Enumerable.Repeat(1e12, scores[id].Length).ToArray();
        return scores;
    }

    /// <summary>Whether a group's channels meet in a residual Add (the authors never prune those).</summary>
    private static bool IsResidualCoupled(ModelGraph graph, ChannelGroup group) =>
        group.Members.Any(m => m.Kind == MemberKind.Value && graph.GetNode(m.Node).Op == OpKind.Add);

    /// <summary>The filters (axis-0 rows of the producing convs' weights) of each channel of <paramref name="group"/>.</summary>
    private static IEnumerable<GregTarget> Targets(ModelGraph graph, ChannelGroup group, GregLayer layer)
    {
        foreach (var member in group.Members.Where(m => m is { Kind: MemberKind.Tensor, Role: TensorRole.Weight, Axis: 0 } && group.Producers.Contains(m.Node)))
        {
            if (graph.FindParameter(member.Name) is not { } parameter) continue;
            var rowChannel = Enumerable.Repeat(-1, (int)parameter.Shape[0]).ToArray();
            for (var k = 0; k < group.Channels; k++)
            {
                foreach (var row in member.Positions[k]) rowChannel[row] = k;
            }

            yield return new GregTarget(parameter, layer, rowChannel);
        }
    }

    /// <summary>Advances the λ schedule after every step; its state (the widths, every layer's λ and picks, the stage) is checkpointed.</summary>
    private sealed class Schedule(GrowingRegularization greg, int[] widths) : ITrainingHook, IMethodState
    {
        public void AfterStep(TrainingStep step) => greg.AfterStep(step.Iteration);

        public JsonNode Save() => new JsonObject
        {
            ["widths"] = new JsonArray(widths.Select(w => (JsonNode?)w).ToArray()),
            ["greg"] = JsonSerializer.SerializeToNode(greg.Snapshot()),
        };

        public void Restore(JsonNode state) =>
            greg.Restore(state["greg"].Deserialize<GregSnapshot>() ?? throw new InvalidDataException("the checkpoint's GReg state is empty"));
    }
}
