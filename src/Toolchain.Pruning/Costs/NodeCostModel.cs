using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>
/// A cost that is a sum over nodes of a function of the node's predicted shapes. The marginal cost of a group
/// only re-evaluates the nodes the group affects.
/// </summary>
public abstract class NodeCostModel : ICostModel
{
    protected NodeCostModel(ChannelGroups groups) => Groups = groups ?? throw new ArgumentNullException(nameof(groups));

    public ChannelGroups Groups { get; }

    public abstract string Name { get; }

    public abstract string Unit { get; }

    /// <summary>The cost of one node given every tensor and value shape.</summary>
    protected abstract double NodeCost(Node node, PredictedShapes shapes);

    public double Total(IReadOnlyList<int> widths)
    {
        var shapes = Groups.PredictShapes(widths);
        return Groups.Graph.Nodes.Sum(n => NodeCost(n, shapes));
    }

    public IReadOnlyDictionary<string, double> PerNode(IReadOnlyList<int> widths)
    {
        var shapes = Groups.PredictShapes(widths);
        return Groups.Graph.Nodes.ToDictionary(n => n.Name, n => NodeCost(n, shapes), StringComparer.Ordinal);
    }

    public double Marginal(IReadOnlyList<int> widths, int groupId)
    {
        var group = Groups[groupId];
        if (widths.Count == Groups.Count && widths[groupId] <= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(widths), $"group {group.Id} '{group.Name}' is at width {widths[groupId]}; no channel is left to remove");
        }

        var narrower = widths.ToArray();
        narrower[groupId]--;
        var (now, then) = (Groups.PredictShapes(widths), Groups.PredictShapes(narrower));
        return group.AffectedNodes.Select(Groups.Graph.GetNode).Sum(n => NodeCost(n, now) - NodeCost(n, then));
    }
}
