using Toolchain.Graph.Execution;
using Toolchain.TestSupport;
using Toolchain.Torch;

namespace Toolchain.Graph.Tests;

/// <summary>The executor's CPU layout choice: the rule, the override, and that both layouts compute the same thing.</summary>
[Collection(nameof(GlobalStateTests))] // the setting is process-wide
public sealed class ExecutorLayoutTests
{
    [Fact]
    public void LayoutFor_Auto_RunsCifarSizedInputsChannelsLastOnEveryHost()
    {
        Assert.Equal(CpuImageLayout.Auto, ExecutorSettings.CpuImageLayout);
        Assert.Equal(CpuImageLayout.ChannelsLast, ExecutorSettings.LayoutFor([128, 3, 32, 32]));
        Assert.Equal(CpuImageLayout.ChannelsLast, ExecutorSettings.LayoutFor([1, 1, 28, 28]));
    }

    [Fact]
    public void LayoutFor_Auto_RunsImageNetSizedInputsNchwOnAmdHostsOnly()
    {
        var expected = HostCpu.IsAmd ? CpuImageLayout.Nchw : CpuImageLayout.ChannelsLast;
        Assert.Equal(expected, ExecutorSettings.LayoutFor([32, 3, 224, 224]));
        Assert.Equal(expected, ExecutorSettings.LayoutFor([32, 3, 65, 64]));
        Assert.Equal(CpuImageLayout.ChannelsLast, ExecutorSettings.LayoutFor([32, 3, 64, 64]));
    }

    [Fact]
    public void LayoutFor_ExplicitSetting_WinsOverTheHostRule()
    {
        try
        {
            ExecutorSettings.CpuImageLayout = CpuImageLayout.Nchw;
            Assert.Equal(CpuImageLayout.Nchw, ExecutorSettings.LayoutFor([128, 3, 32, 32]));
            ExecutorSettings.CpuImageLayout = CpuImageLayout.ChannelsLast;
            Assert.Equal(CpuImageLayout.ChannelsLast, ExecutorSettings.LayoutFor([32, 3, 224, 224]));
        }
        finally
        {
            ExecutorSettings.CpuImageLayout = CpuImageLayout.Auto;
        }
    }

    [Fact]
    public void ForwardAndBackward_EitherLayout_SameOutputAndGradients()
    {
        using var scope = DisposeScope.Enter();
        using var graph = ModelZoo.Create("resnet20", seed: 5); // no dropout: training-mode outputs are deterministic
        graph.Training = true;
        using var generator = new Generator(5); // a fixed input: float sums in the two layouts differ more for some draws
        var x = Tensor.RandN([4, 3, 32, 32], generator: generator);
        (Tensor Output, Tensor Grad) Run(CpuImageLayout layout)
        {
            ExecutorSettings.CpuImageLayout = layout;
            try
            {
                var weight = graph.GetParameter("conv1.weight");
                weight.ZeroGrad();
                var output = graph.Forward(x);
                output.Square().Sum().Backward();
                return (output.Detach(), weight.Grad!.Clone());
            }
            finally
            {
                ExecutorSettings.CpuImageLayout = CpuImageLayout.Auto;
            }
        }

        var (nchw, nchwGrad) = Run(CpuImageLayout.Nchw);
        var (channelsLast, channelsLastGrad) = Run(CpuImageLayout.ChannelsLast);
        TensorAssert.Close(nchw, channelsLast, rtol: 1e-4, atol: 1e-5, what: "output");
        TensorAssert.Close(nchwGrad, channelsLastGrad, rtol: 1e-3, atol: 1e-4, what: "first conv's weight gradient");
    }
}
