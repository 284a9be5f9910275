using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Graph.Tests;

/// <summary>
/// Every member of <see cref="OpKind"/> through every per-op site of this project: attribute type and arity,
/// shape inference (the builder runs it), the executor's kernel forward and backward, the MAC counter and the graph
/// file. The compiler already refuses a switch that misses a member; these catch a site that compiles but throws
/// or computes nonsense for one (a kernel whose shape disagrees with inference, an attribute lost in the file).
/// </summary>
public sealed class OpCoverageTests
{
    public static TheoryData<OpKind> Ops => new(OpSamples.All);

    [Theory]
    [MemberData(nameof(Ops))]
    public void EveryOp_InfersShapesRunsForwardAndBackwardAndCountsCosts(OpKind op)
    {
        using var scope = DisposeScope.Enter();
        using var graph = OpSamples.Containing(op);
        var node = graph.GetNode("op");
        Assert.Equal(op, node.Op);
        Assert.IsType(OpAttributes.ExpectedType(op), node.Attributes);
        var (min, max) = ShapeInference.Arity(op);
        Assert.InRange(node.Inputs.Count, min, max);

        // The kernel computes the shape inference promised, in eval and in training.
        graph.Training = false;
        using (Libtorch.NoGrad())
        {
            var result = graph.Forward(Tensor.RandN([2, 3, 8, 8]), node.Outputs.ToHashSet());
            foreach (var output in node.Outputs) Assert.Equal(graph.ShapeOf(output), result.Captured[output].Shape);
            Assert.Equal(graph.OutputShape, result.Output.Shape);
        }

        graph.Training = true;
        var loss = graph.Forward(Tensor.RandN([2, 3, 8, 8])).Square().Sum();
        loss.Backward();
        // Backward reaches the head through the op: its gradient is there and not all zero.
        var headGrad = graph.GetParameter("head.weight").Grad;
        Assert.True(headGrad is not null && headGrad.Abs().Max().Item() > 0, $"{op}: no gradient reached the conv before the op");

        var macs = CostCounter.Macs(node, graph.ValueShapes, n => graph.StateDict().TryGetValue(n, out var t) ? t.Shape : null);
        Assert.True(op is OpKind.Conv or OpKind.Gemm ? macs > 0 : macs == 0, $"{op}: {macs} MACs");
    }

    [Theory]
    [MemberData(nameof(Ops))]
    public void EveryOp_SurvivesTheGraphFileWithItsAttributes(OpKind op)
    {
        using var scope = DisposeScope.Enter();
        using var dir = new TempDirectory();
        using var graph = OpSamples.Containing(op);
        graph.Training = false;
        GraphFile.Save(graph, dir.File("g.safetensors"));
        using var loaded = GraphFile.Load(dir.File("g.safetensors"));

        Assert.Equal(graph.Nodes, loaded.Graph.Nodes);
        Assert.Equal(graph.GetNode("op").Attributes, loaded.Graph.GetNode("op").Attributes);
        loaded.Graph.Training = false;
        using var noGrad = Libtorch.NoGrad();
        var x = Tensor.RandN([2, 3, 8, 8]);
        TensorAssert.Close(graph.Forward(x), loaded.Graph.Forward(x), 0, 0, $"{op} after reload");
    }
}
