using Toolchain.TestSupport;
using Toolchain.Graph;
using Toolchain.Runtime;

namespace Toolchain.Pruning.Tests.Deployment;

/// <summary>
/// Pruned models deploy: half of every prunable group masked at random (BatchNorm statistics randomised, eval mode),
/// the graph compacted, exported (BatchNorm folded and not) and run in ONNX Runtime, which computes what the masked
/// graph computed; the file reloads at the compacted size with the predicted parameters and MACs.
/// </summary>
public sealed class CompactedDeploymentTests
{
    public static TheoryData<string> Topologies => new(TopologyZoo.Names);

    public static TheoryData<string> ZooModels => new(ModelZoo.Names);

    [Theory]
    [MemberData(nameof(Topologies))]
    public void CompactedTopology_OnnxRuntimeMatchesMaskedGraphAndReloadsAtItsNewSize(string topology)
    {
        using var graph = TopologyZoo.Create(topology);
        // Batch 3, the topologies are built for 2: the export's batch dimension is dynamic.
        var input = HostTensor.RandomUniform(DeploymentCheck.InputShape(graph, 3), seed: topology.Length);
        MaskCompactAndDeploy(graph, input, seed: topology.Length, tolerance: 1e-5);
    }

    [Theory]
    [MemberData(nameof(ZooModels))]
    public void CompactedZooModel_OnnxRuntimeMatchesMaskedGraphAndReloadsAtItsNewSize(string model)
    {
        using var graph = ModelZoo.Create(model, seed: 5);
        var input = HostTensor.RandomUniform(DeploymentCheck.InputShape(graph, 1), seed: 11);
        MaskCompactAndDeploy(graph, input, seed: 13, tolerance: 1e-4);
    }

    private static void MaskCompactAndDeploy(ModelGraph graph, HostTensor input, int seed, double tolerance)
    {
        GraphFixtures.RandomizeBatchNorms(graph);
        graph.Training = false;
        var groups = ChannelGroups.Discover(graph);
        var masks = PruningTestSupport.RandomHalf(groups, seed);
        Assert.True(masks.RemovesAny, $"{graph.Name}: nothing to prune");
        var widths = masks.Widths();
        var predictedParameters = (long)new ParameterCost(groups).Total(widths);
        var predictedMacs = (long)new MacCost(groups).Total(widths);

        Masking.Apply(groups, masks);
        var masked = DeploymentCheck.Execute(graph, input);
        var report = Compactor.Compact(groups, masks);
        Assert.True(report.ParametersAfter < report.ParametersBefore, $"{graph.Name}: compaction removed no parameter");
        Assert.True(report.MacsAfter < report.MacsBefore, $"{graph.Name}: compaction removed no MAC");

        DeploymentCheck.AssertDeploys(graph, input, new DeploymentExpectation(masked, predictedParameters, predictedMacs, tolerance));
    }
}
