using Toolchain.TestSupport;
using Toolchain.Torch;
using Toolchain.Torch.Optim;

namespace Toolchain.Methods.Tests;

public sealed class GradientTermTests
{
    [Fact]
    public void GregTerm_AddsLambdaTimesWeightPerFilter()
    {
        using var scope = DisposeScope.Enter();
        using var weight = new Parameter("conv.weight", Tensor.RandN([3, 2, 3, 3]));
        var layer = new GregLayer("conv", 3, 1);
        layer.Lambda[0] = 0.5;
        layer.Lambda[2] = -0.25;
        var grad = Tensor.Ones([3, 2, 3, 3]);
        var w = weight.Value.ToArray<float>();

        new GregTerm([new GregTarget(weight, layer, [0, 1, 2])]).Apply(weight, grad);

        var g = grad.ToArray<float>();
        for (var i = 0; i < g.Length; i++)
        {
            var lambda = (i / 18) switch { 0 => 0.5f, 1 => 0f, _ => -0.25f };
            Assert.Equal(1 + lambda * w[i], g[i], 6);
        }
    }

    [Fact]
    public void GregTerm_RowsOutsideTheLayer_AreUntouched_RowsMapToTheirChannel()
    {
        using var scope = DisposeScope.Enter();
        using var weight = new Parameter("stem.weight", Tensor.Ones([4, 1]));
        var layer = new GregLayer("stem[2:4]", 2, 1);
        layer.Lambda[0] = 0.5;
        layer.Lambda[1] = 2;
        var grad = Tensor.Zeros([4, 1]);
        new GregTerm([new GregTarget(weight, layer, [-1, -1, 0, 1])]).Apply(weight, grad);
        Assert.Equal([0f, 0f, 0.5f, 2f], grad.ToArray<float>());
        Assert.Throws<ArgumentException>(() => new GregTerm([new GregTarget(weight, layer, [0, 1])]));
    }

    [Fact]
    public void GregTerm_OtherParameters_AreUntouched()
    {
        using var scope = DisposeScope.Enter();
        using var weight = new Parameter("conv.weight", Tensor.RandN([3, 2, 3, 3]));
        using var other = new Parameter("fc.weight", Tensor.RandN([4, 3]));
        var layer = new GregLayer("conv", 3, 1);
        layer.Lambda[0] = 1;
        var grad = Tensor.Ones([4, 3]);
        new GregTerm([new GregTarget(weight, layer, [0, 1, 2])]).Apply(other, grad);
        Assert.All(grad.ToArray<float>(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void SlimmingTerm_AddsStrengthTimesSignOfGamma_ThroughTheOptimizer()
    {
        using var scope = DisposeScope.Enter();
        using var gamma = new Parameter("bn.weight", Tensor.FromArray([0.5f, -2f, 0f, 1e-3f], 4));
        using var sgd = new Sgd([gamma], learningRate: 1, momentum: 0, weightDecay: 0);
        sgd.GradientTerms.Add(new SlimmingTerm([gamma], strength: 0.01));
        gamma.Value.Grad = Tensor.Zeros([4]);

        sgd.Step(); // γ −= lr · (0 + s · sign(γ))

        TensorAssert.Close(Tensor.FromArray([0.49f, -1.99f, 0f, -0.009f], 4), gamma.Value.Detach(), rtol: 1e-6, atol: 1e-7, what: "γ after one step");
    }

    [Fact]
    public void SlimmingTerm_NegativeStrength_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlimmingTerm([], -1));
}
