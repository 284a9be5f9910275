using Toolchain.Graph;
using Toolchain.Profiling;

namespace Toolchain.Profiling.Tests;

// The probe's weights come from libtorch's global generator (GraphBuilder seeds it), which tests running in parallel
// would draw from between the two creations: this class runs alone.
[CollectionDefinition(nameof(SpeedProbeTests), DisableParallelization = true)]
[Collection(nameof(SpeedProbeTests))]
public sealed class SpeedProbeTests
{
    [Fact]
    public void Create_IsTheSameNetworkEveryTime()
    {
        // A probe measured today is compared with one measured when the profile was written: same shapes, same weights.
        using var a = SpeedProbe.Create();
        using var b = SpeedProbe.Create();
        Assert.Equal(SpeedProbe.Name, a.Name);
        Assert.Equal([1L, 3, 32, 32], a.InputShape);
        Assert.Equal(6, a.Nodes.Count(n => n.Op == OpKind.Conv));
        Assert.Equal(a.Macs, b.Macs);
        var (sa, sb) = (a.StateDict(), b.StateDict());
        Assert.Equal(sa.Keys, sb.Keys);
        foreach (var (name, tensor) in sa) Assert.Equal(tensor.ToArray<float>(), sb[name].ToArray<float>());
    }
}
