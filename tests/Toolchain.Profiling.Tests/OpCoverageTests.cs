using Toolchain.Graph;
using Toolchain.TestSupport;

namespace Toolchain.Profiling.Tests;

/// <summary>
/// The latency profiler's role for every <see cref="OpKind"/>: an op is timed (as a layer of its own or fused into
/// a conv/Gemm), free (moves no data), or refused by name. A refusal must name the node and the op, so a user whose
/// model cannot be profiled yet learns which layer is to blame.
/// </summary>
public sealed class OpCoverageTests
{
    public static TheoryData<OpKind> Ops => new(OpSamples.All);

    [Theory]
    [MemberData(nameof(Ops))]
    public void Decompose_EveryOp_TimesItLeavesItFreeOrRefusesNamingIt(OpKind op)
    {
        using var graph = OpSamples.Containing(op);
        // The sample's Mul is a squeeze-excite gate ([N, C, H, W] · [N, C, 1, 1]); the profiler times equal shapes only.
        var refusal = op switch
        {
            OpKind.Concat or OpKind.Split or OpKind.Slice or OpKind.Transpose or OpKind.Pad or OpKind.ReduceMean =>
                $"node 'op' ({op}) cannot be timed by the latency profiler yet",
            OpKind.Mul => "Mul 'op' broadcasts; the profiler times elementwise ops on equal shapes only",
            _ => null,
        };
        if (refusal is not null)
        {
            var e = Assert.Throws<NotSupportedException>(() => LayerUnits.Decompose(graph));
            Assert.Contains(refusal, e.Message);
            return;
        }

        var units = LayerUnits.Decompose(graph);
        var free = op is OpKind.Flatten or OpKind.Reshape or OpKind.Identity or OpKind.Dropout;
        Assert.Equal(!free, units.Any(u => u.Nodes.Any(n => n.Name == "op")));
    }
}

/// <summary>Resize as a standalone layer: its configuration records the output size and interpolation, and its single-layer model builds.</summary>
public sealed class ResizeLayerTests
{
    [Fact]
    public void Resize_IsTimedPerOutputSizeAndInterpolation_AndItsUnitGraphResizesTheSameWay()
    {
        using var graph = OpSamples.Containing(OpKind.Resize);
        var unit = Assert.Single(LayerUnits.Decompose(graph), u => u.Nodes.Any(n => n.Name == "op"));
        Assert.Equal("Resize @8x8 to 12x10 bilinear", unit.Config.Key);
        Assert.Equal([12L, 10], unit.Config.OutputSize);
        unit.Config.Validate("test");

        foreach (var feeders in new[] { Feeders.None, Feeders.Blocked })
        {
            using var layer = UnitGraphs.Build(unit.Config, [6], batch: 1, feeders);
            var resize = Assert.Single(layer.Nodes, n => n.Op == OpKind.Resize && n.Name == UnitGraphs.LayerName);
            Assert.Equal(new ResizeAttributes(ResizeMode.Bilinear, Size: (12, 10)), resize.Attributes);
        }
    }

    [Fact]
    public void Validate_ResizeWithoutOutputSize_IsRefusedNamingTheConfiguration()
    {
        var config = new LayerConfig { Op = OpKind.Resize, InputSize = [8, 8], Interpolation = "bicubic", ResizeTo = [16, 16] };
        var e = Assert.Throws<InvalidDataException>(() => config.Validate("profile.json"));
        Assert.Contains("needs an output size [H, W] and an interpolation", e.Message);
    }
}
