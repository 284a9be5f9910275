using Toolchain.Graph;

namespace Toolchain.Pruning;

/// <summary>Trainable parameters at given widths, counted as <see cref="ModelGraph.ParameterCount"/> counts them.</summary>
public sealed class ParameterCost(ChannelGroups groups) : NodeCostModel(groups)
{
    public override string Name => "params";

    public override string Unit => "parameters";

    protected override double NodeCost(Node node, PredictedShapes shapes) => CostCounter.Parameters(node, shapes.Tensor);
}

/// <summary>Multiply-accumulates per sample at given widths, counted as <see cref="ModelGraph.Macs"/> counts them.</summary>
public sealed class MacCost(ChannelGroups groups) : NodeCostModel(groups)
{
    public override string Name => "macs";

    public override string Unit => "MACs";

    protected override double NodeCost(Node node, PredictedShapes shapes) => CostCounter.Macs(node, shapes.Values, shapes.Tensor);
}

/// <summary>The cost models available by name (what a command line offers).</summary>
public static class CostModels
{
    public static IReadOnlyList<string> Names { get; } = ["params", "macs"];

    public static ICostModel Create(string name, ChannelGroups groups) => name switch
    {
        "params" => new ParameterCost(groups),
        "macs" => new MacCost(groups),
        _ => throw new ArgumentException($"unknown cost model '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
    };
}
