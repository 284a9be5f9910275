using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>|γ| of the group's BatchNorm layers (network slimming), summed when several BatchNorms are coupled.</summary>
public sealed class BatchNormScale : IChannelImportance
{
    public string Name => "bn";

    public double[] Score(ChannelGroups groups, ChannelGroup group)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(group);
        groups.EnsureCurrent();
        var scales = group.Members.Where(m => m is { Kind: MemberKind.Tensor, Role: TensorRole.Weight, Axis: 0 } &&
                                             groups.Graph.GetNode(m.Node).Op == OpKind.BatchNorm).ToList();
        if (scales.Count == 0)
        {
            throw new ArgumentException($"group {group.Id} '{group.Name}' has no BatchNorm; BatchNorm |γ| cannot score it (use l1 or l2)", nameof(group));
        }

        var scores = new double[group.Channels];
        foreach (var member in scales)
        {
            using var tensor = groups.Graph.GetTensor(member.Name).Detach();
            var gamma = tensor.ToArray<float>();
            for (var k = 0; k < group.Channels; k++) scores[k] += member.Positions[k].Sum(p => Math.Abs((double)gamma[p]));
        }

        return scores;
    }
}
