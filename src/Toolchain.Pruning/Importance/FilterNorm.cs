using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>
/// The L1 (Li et al., 2017) or L2 norm of each channel's filters, summed over the group's coupled producers: for a
/// residual group the filters of every conv adding into it count. A channel with several filters in one producer
/// (a depthwise multiplier) takes the norm over all of them.
/// </summary>
public sealed class FilterNorm : IChannelImportance
{
    public FilterNorm(int p)
    {
        if (p is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(p), p, "filter norms are L1 or L2");
        P = p;
    }

    public int P { get; }

    public string Name => $"l{P}";

    public double[] Score(ChannelGroups groups, ChannelGroup group)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(group);
        groups.EnsureCurrent();
        if (group.Producers.Count == 0)
        {
            throw new ArgumentException($"group {group.Id} '{group.Name}' has no conv or Gemm producing it; filter norms cannot score it", nameof(group));
        }

        var scores = new double[group.Channels];
        foreach (var member in group.Members.Where(m => m is { Kind: MemberKind.Tensor, Role: TensorRole.Weight, Axis: 0 } && group.Producers.Contains(m.Node)))
        {
            using var weight = groups.Graph.GetTensor(member.Name).Detach();
            var values = weight.ToArray<float>();
            var rowLength = values.Length / (int)weight.Size(0);
            for (var k = 0; k < group.Channels; k++)
            {
                double sum = 0;
                foreach (var row in member.Positions[k])
                {
                    for (var i = row * rowLength; i < (row + 1) * rowLength; i++) sum += P == 1 ? Math.Abs(values[i]) : (double)values[i] * values[i];
                }

                scores[k] += P == 1 ? sum : Math.Sqrt(sum);
            }
        }

        return scores;
    }
}
