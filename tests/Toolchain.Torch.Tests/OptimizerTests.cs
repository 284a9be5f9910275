using Toolchain.Torch.Optim;

namespace Toolchain.Torch.Tests;

public sealed class OptimizerTests
{
    [Theory]
    [InlineData("sgd")]
    [InlineData("adamw")]
    public void MaskedParameter_StaysExactlyZero_ThroughMomentumAndDecay(string kind)
    {
        using var scope = DisposeScope.Enter();
        Libtorch.ManualSeed(11);
        using var p = new Parameter("conv.weight", Tensor.RandN([4, 2, 3, 3]));
        // Prune filters 1 and 3 after momentum has built up: their momentum must not move them again.
        using Optimizer opt = kind == "sgd" ? new Sgd([p], 0.1, momentum: 0.9, weightDecay: 1e-3) : new AdamW([p], 0.1);
        for (var i = 0; i < 3; i++) Step(opt, p);
        p.Mask = Tensor.FromArray(new float[] { 1, 0, 1, 0 }, 4, 1, 1, 1);
        for (var i = 0; i < 5; i++) Step(opt, p);

        var w = p.Value.Detach();
        Assert.All(w.Slice(0, 1, 2).Flatten().ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.All(w.Slice(0, 3, 4).Flatten().ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.Contains(w.Slice(0, 0, 1).Flatten().ToArray<float>(), v => v != 0);
        foreach (var buffer in opt.ExportState().Values)
        {
            Assert.All(buffer.Slice(0, 1, 2).Flatten().ToArray<float>(), v => Assert.Equal(0f, v));
        }
    }

    [Fact]
    public void GradientTerm_IsAddedBeforeTheUpdate()
    {
        using var scope = DisposeScope.Enter();
        using var p = new Parameter("w", Tensor.FromArray(new float[] { 1, 2 }));
        using var sgd = new Sgd([p], learningRate: 0.5);
        sgd.GradientTerms.Add(new L2Term(lambda: 0.1)); // grad += 0.1·w, as GReg does
        p.Value.Grad = Tensor.Zeros([2]);
        sgd.Step();
        // w −= 0.5 · 0.1 · w
        Assert.Equal([0.95f, 1.9f], p.Value.Detach().ToArray<float>());
    }

    [Fact]
    public void ParameterGroups_OwnLearningRateAndWeightDecay()
    {
        using var scope = DisposeScope.Enter();
        using var a = new Parameter("a", Tensor.Ones([1]));
        using var b = new Parameter("b", Tensor.Ones([1]));
        using var sgd = new Sgd([new ParameterGroup([a]), new ParameterGroup([b], learningRate: 0.01, weightDecay: 0)], learningRate: 0.1, weightDecay: 1);
        a.Value.Grad = Tensor.Zeros([1]);
        b.Value.Grad = Tensor.Ones([1]);
        sgd.Step();
        Assert.Equal(1 - 0.1 * 1, a.Value.Item(), 6); // decay only
        Assert.Equal(1 - 0.01, b.Value.Item(), 6);    // own lr, no decay
        sgd.SetLearningRateFactor(0.5);
        Assert.Equal(0.05, sgd.Groups[0].LearningRate, 12);
        Assert.Equal(0.005, sgd.Groups[1].LearningRate, 12);
    }

    [Fact]
    public void ExportImportState_ResumesTheSameTrajectory()
    {
        using var scope = DisposeScope.Enter();
        Libtorch.ManualSeed(5);
        var grads = Enumerable.Range(0, 6).Select(_ => Tensor.RandN([3])).ToArray();
        var start = Tensor.RandN([3]);

        using var straight = new Parameter("w", start.Clone());
        using var sgd = new Sgd([straight], 0.1, momentum: 0.9);
        foreach (var g in grads) Apply(sgd, straight, g);

        using var first = new Parameter("w", start.Clone());
        using var sgd1 = new Sgd([first], 0.1, momentum: 0.9);
        foreach (var g in grads[..3]) Apply(sgd1, first, g);
        using var resumed = new Parameter("w", first.Value.Detach().Clone());
        using var sgd2 = new Sgd([resumed], 0.1, momentum: 0.9);
        sgd2.ImportState(sgd1.ExportState(), sgd1.StepCount);
        foreach (var g in grads[3..]) Apply(sgd2, resumed, g);

        Assert.Equal(straight.Value.Detach().ToArray<float>(), resumed.Value.Detach().ToArray<float>());
        Assert.Equal(6, sgd2.StepCount);
    }

    [Fact]
    public void Schedules_FollowTheirDefinitions()
    {
        var cosine = new CosineSchedule(100);
        Assert.Equal(1.0, cosine.Factor(0), 12);
        Assert.Equal(0.5, cosine.Factor(50), 12);
        Assert.Equal(0.0, cosine.Factor(100), 12);
        var warm = new WarmupSchedule(10, cosine, StartFactor: 0.1);
        Assert.Equal(0.1, warm.Factor(0), 12);
        Assert.Equal(0.55, warm.Factor(5), 12);
        Assert.Equal(1.0, warm.Factor(10), 12);
        Assert.Equal(0.5, warm.Factor(60), 12);
        Assert.Equal(0.01, new StepSchedule(30, 0.1).Factor(65), 12);
        Assert.Equal(0.1, new MultiStepSchedule([60, 90]).Factor(60), 12);
    }

    [Fact]
    public void InvalidHyperParameters_AreRejected()
    {
        using var p = new Parameter("w", Tensor.Ones([1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd([p], learningRate: 0));
        Assert.Throws<ArgumentException>(() => new Sgd([p], 0.1, momentum: 0, nesterov: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW([p], beta1: 1.0));
        Assert.Throws<ArgumentException>(() => new Sgd(Array.Empty<Parameter>(), 0.1));
    }

    private static void Step(Optimizer opt, Parameter p)
    {
        opt.ZeroGrad();
        using var loss = (p.Value * p.Value).Sum();
        loss.Backward();
        opt.Step();
    }

    private static void Apply(Optimizer opt, Parameter p, Tensor grad)
    {
        opt.ZeroGrad();
        p.Value.Grad = grad.Clone();
        opt.Step();
    }

    private sealed class L2Term(double lambda) : IGradientTerm
    {
        public void Apply(Parameter parameter, Tensor grad) => grad.Add_(parameter.Value, lambda);
    }
}
