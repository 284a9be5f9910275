namespace Toolchain.Pruning;

/// <summary>
/// A cost of a graph as a function of its group widths (indexed by group id, see <see cref="ChannelGroups"/>),
/// evaluated without compacting: parameters, MACs, and later measured latency. Budgets and pruning methods talk
/// to this interface only.
/// </summary>
public interface ICostModel
{
    /// <summary>Short name, e.g. "params", "macs", "latency".</summary>
    string Name { get; }

    /// <summary>Unit of the values, e.g. "parameters", "MACs", "ms".</summary>
    string Unit { get; }

    /// <summary>The cost of the whole graph at <paramref name="widths"/>.</summary>
    double Total(IReadOnlyList<int> widths);

    /// <summary>The cost of each node at <paramref name="widths"/>, by node name.</summary>
    IReadOnlyDictionary<string, double> PerNode(IReadOnlyList<int> widths);

    /// <summary>
    /// How much the total drops when group <paramref name="groupId"/> loses one channel at <paramref name="widths"/>:
    /// its own layers' drop plus that of every consumer whose input narrows.
    /// </summary>
    double Marginal(IReadOnlyList<int> widths, int groupId);
}
